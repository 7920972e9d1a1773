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

export function throughputTargets(r: {
  batch: number;
  ratio_to_raw: number | null;
  lost: number;
  duplicates: number;
}): TargetCheck[] {
  const checks = [below("lost", 1, r.lost), below("duplicates", 1, r.duplicates)];
  if (r.batch === 1) checks.push(atLeast("ratio_to_raw", 0.25, r.ratio_to_raw));
  if (r.batch >= 100) checks.push(atLeast("ratio_to_raw", 0.5, r.ratio_to_raw));
  return checks;
}

export function rateTargets(r: { rate: number; p99_ms: number | null; lost: number }): TargetCheck[] {
  const checks = [below("lost", 1, r.lost)];
  if (r.rate === 1000) checks.push(below("p99_ms", 25, r.p99_ms));
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
