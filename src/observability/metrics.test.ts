import { describe, expect, test } from "bun:test";
import { Counter, Metrics, Registry } from "./metrics";

describe("Registry", () => {
  test("counters render per label set, with labels sorted and escaped", () => {
    const r = new Registry();
    const c = r.counter("x_total", "Things.");
    expect(r.render()).toContain("x_total 0");
    c.inc({ b: "2", a: 'say "hi"\n' });
    c.inc({ a: 'say "hi"\n', b: "2" }, 2);
    expect(c.get({ b: "2", a: 'say "hi"\n' })).toBe(3);
    expect(r.render()).toContain('x_total{a="say \\"hi\\"\\n",b="2"} 3');
    expect(r.render()).toContain("# TYPE x_total counter");
  });

  test("histograms are cumulative, with +Inf, sum and count", () => {
    const r = new Registry();
    const h = r.histogram("lat_seconds", "Latency.", [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
    const text = r.render();
    expect(text).toContain('lat_seconds_bucket{le="0.1"} 2');
    expect(text).toContain('lat_seconds_bucket{le="1"} 3');
    expect(text).toContain('lat_seconds_bucket{le="+Inf"} 4');
    expect(text).toContain("lat_seconds_sum 3.65");
    expect(text).toContain("lat_seconds_count 4");
  });

  test("gauges are read at scrape time", () => {
    const r = new Registry();
    let n = 1;
    r.gauge("g", "A gauge.", () => n);
    expect(r.render()).toContain("g 1");
    n = 7;
    expect(r.render()).toContain("g 7");
  });
});

test("the product's metrics are all exposed, and the text ends with a newline", () => {
  const text = new Metrics().render();
  for (const name of [
    "inbox_events_published_total",
    "inbox_delivery_attempts_total",
    "inbox_deliveries_succeeded_total",
    "inbox_deliveries_failed_total",
    "inbox_attempt_duration_seconds_bucket",
    "inbox_publish_to_first_attempt_seconds_bucket",
  ]) {
    expect(text).toContain(name);
  }
  expect(text.endsWith("\n")).toBe(true);
});

test("one label set is one series whatever the key order; look-alike sets stay apart", () => {
  const c = new Counter("t_total", "test");
  c.inc({ a: "1", b: "2" });
  c.inc({ b: "2", a: "1" });
  c.inc({ a: "12", b: "" });
  // Would share a key with { a: "1", b: "2" } if entries were only joined as `k=v;`.
  c.inc({ a: "1;b=2" });
  c.inc({ a: "1", b: '2"\n' });
  expect(c.get({ a: "1", b: "2" })).toBe(2);
  expect(c.get({ a: "12", b: "" })).toBe(1);
  expect(c.get({ a: "1;b=2" })).toBe(1);
  expect(c.render()).toContain('t_total{a="1",b="2\\"\\n"} 1');
});
