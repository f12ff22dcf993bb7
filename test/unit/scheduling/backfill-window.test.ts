import { describe, expect, it } from "vitest";
import { backfillIntervals, datesToRun, type DateHistory } from "../../../src/scheduling/backfill-window";
import { ds } from "../../../src/scheduling/schedule";

const AMS = "Europe/Amsterdam";
const daily = { expression: "@daily", timezone: AMS };
const at = (text: string) => Date.parse(text);

describe("backfill windows", () => {
  it("every logical date in [from, to], both inclusive, oldest first, with its data interval", () => {
    const got = backfillIntervals(daily, at("2026-06-01T00:00:00+02:00"), at("2026-06-05T00:00:00+02:00"));
    expect(got?.map((i) => ds(i.logicalDate, AMS))).toEqual(["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05"]);
    for (const i of got ?? []) expect(i.dataIntervalEnd - i.dataIntervalStart).toBe(86_400_000);
  });

  it("a window holding more dates than the bound is refused, not cut", () => {
    expect(backfillIntervals(daily, at("2020-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), 100)).toBeUndefined();
    expect(backfillIntervals(daily, at("2026-01-01T00:00:00+01:00"), at("2026-04-10T00:00:00+02:00"), 100)).toHaveLength(100);
  });

  it("an empty window (to before from) has no dates", () => {
    expect(backfillIntervals(daily, at("2026-06-05T00:00:00Z"), at("2026-06-01T00:00:00Z"))).toEqual([]);
  });
});

describe("reprocess", () => {
  const window = backfillIntervals(daily, at("2026-06-01T00:00:00+02:00"), at("2026-06-06T00:00:00+02:00")) ?? [];
  // 1 never ran; 2 succeeded; 3 failed; 4 succeeded once, then its rerun failed; 5 running; 6 cancelled.
  const byDay: Record<string, DateHistory> = {
    "2026-06-01": { succeeded: false },
    "2026-06-02": { latest: "success", succeeded: true },
    "2026-06-03": { latest: "failed", succeeded: false },
    "2026-06-04": { latest: "failed", succeeded: true },
    "2026-06-05": { latest: "running", succeeded: false },
    "2026-06-06": { latest: "cancelled", succeeded: false },
  };
  const history = (logicalDate: number): DateHistory => byDay[ds(logicalDate, AMS)] ?? { succeeded: false };
  const run = (reprocess: "missing" | "failed" | "all") => datesToRun(window, history, reprocess).map((i) => ds(i.logicalDate, AMS));

  it("missing: the dates with no successful run (never a date still running)", () => {
    expect(run("missing")).toEqual(["2026-06-01", "2026-06-03", "2026-06-06"]);
  });

  it("failed: those, and the dates whose newest run failed", () => {
    expect(run("failed")).toEqual(["2026-06-01", "2026-06-03", "2026-06-04", "2026-06-06"]);
  });

  it("all: every date but one still running", () => {
    expect(run("all")).toEqual(["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-06"]);
  });
});
