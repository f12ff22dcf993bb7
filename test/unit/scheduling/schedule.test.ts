import { describe, expect, it } from "vitest";
import { ds, dueIntervals, fireTimesAfter, intervalEndingAt, scheduleProblem } from "../../../src/scheduling/schedule";

const AMS = "Europe/Amsterdam";
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const at = (text: string) => Date.parse(text);

describe("schedule validation", () => {
  it("accepts five-field cron and the presets, and names the field and the reason otherwise", () => {
    expect(scheduleProblem("30 2 * * *", AMS)).toBeUndefined();
    expect(scheduleProblem("@daily", "UTC")).toBeUndefined();
    expect(scheduleProblem("* * *", "UTC")).toMatchObject({ path: "schedule", message: expect.stringContaining("invalid cron expression '* * *'") });
    expect(scheduleProblem("0 0 0 * * *", "UTC")).toMatchObject({ path: "schedule" }); // six fields (seconds) are not a DAG schedule
    expect(scheduleProblem("61 * * * *", "UTC")).toMatchObject({ path: "schedule" });
    expect(scheduleProblem("@sometimes", "UTC")).toMatchObject({ path: "schedule" });
    expect(scheduleProblem("@daily", "Mars/Base")).toEqual({ path: "timezone", message: "unknown time zone 'Mars/Base'" });
  });
});

describe("fire times in the DAG's timezone across DST (Europe/Amsterdam, 2026)", () => {
  it("30 2 * * * on the spring-forward day runs once, at the first valid instant after the gap (03:00 CEST)", () => {
    const times = fireTimesAfter({ expression: "30 2 * * *", timezone: AMS }, at("2026-03-27T12:00:00Z"), 4);
    expect(iso(times)).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist: 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
      "2026-03-31T00:30:00.000Z",
    ]);
  });

  it("30 2 * * * on the fall-back day runs once, at the first 02:30 (CEST), not again at 02:30 CET", () => {
    const times = fireTimesAfter({ expression: "30 2 * * *", timezone: AMS }, at("2026-10-23T12:00:00Z"), 3);
    expect(iso(times)).toEqual(["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("*/30 * * * * fires every real half hour across both changes", () => {
    const s = { expression: "*/30 * * * *", timezone: AMS };
    const spring = fireTimesAfter(s, at("2026-03-29T00:15:00Z"), 4);
    const fall = fireTimesAfter(s, at("2026-10-24T23:45:00Z"), 6);
    for (const times of [spring, fall]) {
      for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBe(30 * 60_000);
    }
    // The fall-back hour is there twice in local time: 02:00 and 02:30 CEST, then 02:00 and 02:30 CET.
    expect(iso(fall).slice(0, 4)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ]);
  });
});

describe("data intervals and logical dates (Airflow's convention)", () => {
  const daily = { expression: "@daily", timezone: AMS };

  it("a run at a fire time covers the interval since the previous one and is named by its start", () => {
    const end = at("2026-06-02T22:00:00Z"); // midnight CEST
    expect(intervalEndingAt(daily, end)).toEqual({
      logicalDate: at("2026-06-01T22:00:00Z"),
      dataIntervalStart: at("2026-06-01T22:00:00Z"),
      dataIntervalEnd: end,
    });
    expect(ds(at("2026-06-01T22:00:00Z"), AMS)).toBe("2026-06-02");
    expect(ds(at("2026-06-01T22:00:00Z"), "UTC")).toBe("2026-06-01");
  });

  it("catchup: every complete interval since the start date, oldest first, bounded by the limit", () => {
    const since = at("2026-05-31T22:00:00Z"); // 1 June, local midnight
    const now = at("2026-06-05T10:00:00Z");
    const all = dueIntervals(daily, { since, now, catchup: true });
    expect(all.map((i) => ds(i.logicalDate, AMS))).toEqual(["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04"]);
    for (const i of all) expect(i.dataIntervalEnd - i.dataIntervalStart).toBe(24 * 3_600_000);
    expect(dueIntervals(daily, { since, now, catchup: true, limit: 2 }).map((i) => ds(i.logicalDate, AMS))).toEqual(["2026-06-01", "2026-06-02"]);
    // The interval still in progress (5 June) is not due.
    expect(all.at(-1)?.dataIntervalEnd).toBeLessThanOrEqual(now);
  });

  it("without catchup: only the latest complete interval, and nothing before the start date", () => {
    const now = at("2026-06-05T10:00:00Z");
    expect(dueIntervals(daily, { since: at("2026-05-31T22:00:00Z"), now, catchup: false }).map((i) => ds(i.logicalDate, AMS))).toEqual(["2026-06-04"]);
    expect(dueIntervals(daily, { since: at("2026-06-05T00:00:00Z"), now, catchup: false })).toEqual([]);
  });

  it("an end date stops catchup at the last interval starting on or before it", () => {
    const got = dueIntervals(daily, { since: at("2026-05-31T22:00:00Z"), now: at("2026-06-10T10:00:00Z"), catchup: true, endDate: at("2026-06-02T22:00:00Z") });
    expect(got.map((i) => ds(i.logicalDate, AMS))).toEqual(["2026-06-01", "2026-06-02", "2026-06-03"]);
  });

  it("a daily interval over the spring-forward night is 23 hours long, and still one interval", () => {
    const got = dueIntervals(daily, { since: at("2026-03-27T23:00:00Z"), now: at("2026-03-30T12:00:00Z"), catchup: true });
    expect(got.map((i) => [ds(i.logicalDate, AMS), (i.dataIntervalEnd - i.dataIntervalStart) / 3_600_000])).toEqual([
      ["2026-03-28", 24],
      ["2026-03-29", 23],
    ]);
  });
});
