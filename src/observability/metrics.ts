// A small Prometheus registry: counters, gauges read at scrape time, and histograms with fixed
// buckets. Enough for /metrics without a dependency; label sets are small and known in advance.

type Labels = Record<string, string>;

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

/** Rendered label sets, by a cheap key of their entries; label sets are few, so this stays small. */
const rendered = new Map<string, string>();

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  let cheap = "";
  // Length-prefixed, so that no two different label sets share a key.
  for (const k in labels) {
    const v = String(labels[k]);
    cheap += `${k.length}:${k}${v.length}:${v}`;
  }
  let key = rendered.get(cheap);
  if (key === undefined) {
    key = renderLabels(labels);
    if (rendered.size >= 10_000) rendered.clear();
    rendered.set(cheap, key);
  }
  return key;
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join("\n");
  }
}

/** A value read at scrape time: a gauge, or a counter kept by another component (a CounterFunc). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
    private readonly type: "gauge" | "counter" = "gauge",
  ) {}
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} ${this.type}`,
      `${this.name} ${this.read()}`,
    ].join("\n");
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, in seconds, ascending. */
    readonly buckets: number[],
  ) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (seconds <= (this.buckets[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        break;
      }
    }
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i] as number;
      lines.push(`${this.name}_bucket{le="${this.buckets[i]}"} ${cumulative}`);
    }
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    const m = new Counter(name, help);
    this.metrics.push(m);
    return m;
  }
  gauge(name: string, help: string, read: () => number, type: "gauge" | "counter" = "gauge"): Gauge {
    const m = new Gauge(name, help, read, type);
    this.metrics.push(m);
    return m;
  }
  histogram(name: string, help: string, buckets: number[]): Histogram {
    const m = new Histogram(name, help, buckets);
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return `${this.metrics.map((m) => m.render()).join("\n")}\n`;
  }
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The product's metrics, created once by the composition root and passed to whoever counts. */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsPublished = this.registry.counter(
    "inbox_events_published_total",
    "Events accepted by publish.",
  );
  readonly attempts = this.registry.counter(
    "inbox_delivery_attempts_total",
    "Delivery attempts by outcome and error class.",
  );
  readonly deliveriesSucceeded = this.registry.counter(
    "inbox_deliveries_succeeded_total",
    "Deliveries that reached a 2xx.",
  );
  readonly deliveriesFailed = this.registry.counter(
    "inbox_deliveries_failed_total",
    "Deliveries that ran out of attempts.",
  );
  readonly webhooksDisabled = this.registry.counter(
    "inbox_webhooks_disabled_total",
    'Webhooks disabled, by reason: "gone" (a 410 answer), "failing" (every attempt failed for INBOX_DISABLE_AFTER), "manual" (enabled: false).',
  );
  readonly attemptLatency = this.registry.histogram(
    "inbox_attempt_duration_seconds",
    "Time from sending an attempt to its outcome.",
    LATENCY_BUCKETS,
  );
  readonly publishToFirstAttempt = this.registry.histogram(
    "inbox_publish_to_first_attempt_seconds",
    "Time from an event's publish to the end of its delivery's first attempt.",
    LATENCY_BUCKETS,
  );
  readonly leaseRenewals = this.registry.counter(
    "inbox_lease_renewals_total",
    "Leases extended before an attempt (it waited long enough in its webhook's lane to need it).",
  );
  readonly leasesLost = this.registry.counter(
    "inbox_lease_lost_total",
    "Attempts not made because their lease ended before they could start (another replica may hold it).",
  );
  readonly leaseFencedWrites = this.registry.counter(
    "inbox_lease_fenced_writes_total",
    "Attempt outcomes not written because their lease had ended and was taken again (stale token).",
  );

  /** Gauges read their value at scrape time from the live components. */
  addGauge(name: string, help: string, read: () => number): void {
    this.registry.gauge(name, help, read);
  }

  /** A counter whose total another component keeps (it only grows), read at scrape time. */
  addCounter(name: string, help: string, read: () => number): void {
    this.registry.gauge(name, help, read, "counter");
  }

  render(): string {
    return this.registry.render();
  }
}
