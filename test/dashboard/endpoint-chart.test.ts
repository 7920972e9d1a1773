// The endpoint page's hourly chart from attempts recorded as the engine records them: each hour of
// the last 24 counts its own succeeded and failed attempts (several in one hour, hours apart, the
// current hour), attempts older than the window are left out, and the totals and busiest hour are
// said in words.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { timeText } from "../../src/dashboard/components/times";
import { createHarness, type Harness } from "../http/harness";
import { type Scene, scene } from "./delivery-scene";

const HOUR = 3_600_000;

let h: Harness;
let s: Scene;
let hourNow: number;

/** One attempt on a new delivery to the all-types endpoint, started `minute` minutes into hour `hourStart`. */
async function attemptAt(hourStart: number, outcome: "succeeded" | "failed", minute = 1): Promise<void> {
  const event = await s.publish("message.delivered");
  const [delivery] = event.deliveries.filter((d) => d.webhook_id === s.all);
  await s.attempt(delivery?.id as string, outcome, { started_at: hourStart + minute * 60_000 });
}

beforeAll(async () => {
  h = await createHarness();
  s = await scene(h, "acme");
  hourNow = Math.floor(Date.now() / HOUR) * HOUR;
  await attemptAt(hourNow - 30 * HOUR, "failed");
  await attemptAt(hourNow - 20 * HOUR, "succeeded");
  await attemptAt(hourNow - 5 * HOUR, "failed", 2);
  await attemptAt(hourNow - 5 * HOUR, "failed", 40);
  await attemptAt(hourNow - 5 * HOUR, "succeeded", 50);
  await attemptAt(hourNow, "succeeded", 0);
});
afterAll(async () => {
  await h.close();
});

/** The chart's table rows: [from, succeeded, failed]. */
function chartRows(text: string): string[][] {
  const table = /<details class="chart-table">([\s\S]*?)<\/details>/.exec(text)?.[1] ?? "";
  return [...table.matchAll(/<tr><td>([^<]*)<\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) =>
    m.slice(1),
  );
}

describe("the endpoint page's chart", () => {
  test("counts each hour's attempts of the last 24 hours, and says the totals and busiest hour", async () => {
    const page = await s.browser.get(`/dashboard/endpoints/${s.all}`);
    expect(page.status).toBe(200);
    expect(chartRows(page.text)).toEqual([
      [timeText(hourNow - 20 * HOUR), "1", "0"],
      [timeText(hourNow - 5 * HOUR), "1", "2"],
      [timeText(hourNow), "1", "0"],
    ]);
    const hourOf = new Date(hourNow - 5 * HOUR).toISOString().slice(11, 16);
    expect(page.text).toMatch(
      new RegExp(
        `aria-label="Attempts from [^"]+: 3 succeeded, 2 failed; busiest: 3 attempts from ${hourOf} UTC\\."`,
      ),
    );
    expect(page.text).toContain(`${hourOf}–`);
  });

  test("an endpoint without attempts has an empty chart", async () => {
    const page = await s.browser.get(`/dashboard/endpoints/${s.reads}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("0 succeeded, 0 failed; no attempts.");
    expect(page.text).toContain("No attempts in this window.");
  });
});
