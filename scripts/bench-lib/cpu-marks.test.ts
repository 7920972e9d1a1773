import { expect, test } from "bun:test";
import { cpuCeiling } from "./cpu-marks";

test("the CPU ceiling adds every process's CPU and spreads it over the cores", () => {
  const cpu = { servers: [3, 3], server: 6, serverSystem: 2, receiver: 1, store: 2, driver: 1 };
  // 10 CPU s for 10,000 deliveries: 1,000 us each; 2 cores fill at 2,000 a second.
  expect(cpuCeiling(cpu, 10_000, 2)).toEqual({
    total_cpu_us_per_delivery: 1000,
    cpu_bound_deliveries_per_s: 2000,
  });
  expect(cpuCeiling({ ...cpu, store: null }, 8_000, 4)).toEqual({
    total_cpu_us_per_delivery: 1000,
    cpu_bound_deliveries_per_s: 4000,
  });
  expect(cpuCeiling(cpu, 0, 2)).toEqual({
    total_cpu_us_per_delivery: null,
    cpu_bound_deliveries_per_s: null,
  });
});
