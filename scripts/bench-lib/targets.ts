// The figures the issue sets as targets, checked against a run's result. A target that does not apply
// to a run's shape (for example the ratio target with 10 events per publish) is simply not listed.

export interface TargetCheck {
  name: string;
  /** "<= 300" style bound, for the reader. */
  bound: string;
  value: number | null;
  met: boolean;
}

function atLeast(name: string, min: number, value: number | null): TargetCheck {
  return { name, bound: `>= ${min}`, value, met: value !== null && value >= min };
}

function below(name: string, max: number, value: number | null): TargetCheck {
  return { name, bound: `< ${max}`, value, met: value !== null && value < max };
}

function atMost(name: string, max: number, value: number | null): TargetCheck {
  return { name, bound: `<= ${max}`, value, met: value !== null && value <= max };
}

/** What the figures of a run are compared against: issue 9's targets apply to PostgreSQL runs only. */
interface RunShape {
  store: "lmdb" | "postgres";
  replicas: number;
  batch: number;
  fanout: number;
}

/** One replica on PostgreSQL, one event a publish, one webhook: the shape for the 3,000/s target. */
function singlePostgres(r: RunShape): boolean {
  return r.store === "postgres" && r.replicas === 1 && r.batch === 1 && r.fanout === 1;
}

/** Issue 13: an LMDB data directory keeps at most 750 bytes per event with one delivery and one attempt. */
function diskTargets(r: RunShape & { data_bytes_per_event: number | null }): TargetCheck[] {
  if (r.store !== "lmdb" || r.fanout !== 1) return [];
  return [atMost("data_bytes_per_event", 750, r.data_bytes_per_event)];
}

export function throughputTargets(
  r: RunShape & {
    ratio_to_raw: number | null;
    deliveries_per_s: number;
    lost: number;
    duplicates: number;
    data_bytes_per_event: number | null;
  },
): TargetCheck[] {
  const checks = [below("lost", 1, r.lost), below("duplicates", 1, r.duplicates), ...diskTargets(r)];
  if (r.batch === 1) checks.push(atLeast("ratio_to_raw", 0.25, r.ratio_to_raw));
  if (r.batch >= 100) checks.push(atLeast("ratio_to_raw", 0.5, r.ratio_to_raw));
  if (singlePostgres(r)) checks.push(atLeast("deliveries_per_s", 3000, r.deliveries_per_s));
  return checks;
}

export function rateTargets(
  r: RunShape & { rate: number; p99_ms: number | null; lost: number; data_bytes_per_event: number | null },
): TargetCheck[] {
  const checks = [below("lost", 1, r.lost), ...diskTargets(r)];
  if (r.rate === 1000 && r.store === "lmdb") checks.push(below("p99_ms", 25, r.p99_ms));
  if (r.rate === 500 && r.store === "postgres" && r.fanout === 1) checks.push(below("p99_ms", 50, r.p99_ms));
  return checks;
}

export function backlogTargets(r: {
  backlog: number;
  restart_peak_rss_mb: number;
  ready_ms: number;
}): TargetCheck[] {
  if (r.backlog < 1_000_000) return [];
  return [below("restart_peak_rss_mb", 300, r.restart_peak_rss_mb), below("ready_ms", 3000, r.ready_ms)];
}

export function idleTargets(r: { rss_mb: number }): TargetCheck[] {
  return [below("rss_mb", 80, r.rss_mb)];
}
