import { describe, expect, it } from "vitest";
import type { TriggerRule } from "../../../src/dag/spec";
import { readiness, tally, type Readiness } from "../../../src/run/trigger-rules";
import type { TaskStatus } from "../../../src/run/types";

/** Shorthand for upstream states: S success, F failed, U upstream_failed, K skipped, R running, P pending, C cancelled. */
const CODE: Record<string, TaskStatus> = {
  S: "success",
  F: "failed",
  U: "upstream_failed",
  K: "skipped",
  R: "running",
  P: "pending",
  C: "cancelled",
};
const decide = (rule: TriggerRule, upstream: string): Readiness =>
  readiness(rule, tally([...upstream].map((c) => CODE[c]!)));

describe("tally", () => {
  it("counts success, failed (incl. upstream_failed and cancelled), skipped and open", () => {
    expect(tally(["success", "failed", "upstream_failed", "cancelled", "skipped", "pending", "queued", "running", "up_for_retry"])).toEqual({
      total: 9,
      success: 1,
      failed: 3,
      skipped: 1,
      open: 4,
    });
  });
});

type Row = [upstream: string, expected: Readiness];
const TABLE: Record<TriggerRule, Row[]> = {
  all_success: [
    ["SS", "run"],
    ["SR", "wait"],
    ["SF", "upstream_failed"],
    ["RF", "upstream_failed"], // fails fast, does not wait for the rest
    ["SU", "upstream_failed"],
    ["SK", "skip"],
    ["RK", "skip"],
    ["FK", "upstream_failed"], // failure wins over skip
  ],
  all_failed: [
    ["FF", "run"],
    ["FU", "run"],
    ["FR", "wait"],
    ["FS", "skip"],
    ["RS", "skip"], // skips fast on the first success
    ["FK", "skip"],
  ],
  all_done: [
    ["SF", "run"],
    ["KU", "run"],
    ["SS", "run"],
    ["FR", "wait"],
    ["SP", "wait"],
  ],
  one_success: [
    ["SR", "run"], // fires without waiting for the rest
    ["SF", "run"],
    ["FR", "wait"],
    ["FF", "upstream_failed"],
    ["FU", "upstream_failed"],
    ["KK", "skip"],
    ["FK", "upstream_failed"], // done, no success, not all skipped (Airflow: upstream_failed)
  ],
  one_failed: [
    ["FR", "run"], // fires without waiting for the rest
    ["UR", "run"],
    ["SF", "run"],
    ["SR", "wait"],
    ["SS", "skip"],
    ["SK", "skip"],
  ],
  none_failed: [
    ["SS", "run"],
    ["SK", "run"],
    ["KK", "run"],
    ["SR", "wait"],
    ["SF", "upstream_failed"],
    ["RU", "upstream_failed"],
  ],
  none_failed_min_one_success: [
    ["SS", "run"],
    ["SK", "run"],
    ["KK", "skip"],
    ["KR", "wait"],
    ["SR", "wait"],
    ["SF", "upstream_failed"],
    ["RU", "upstream_failed"],
  ],
  none_skipped: [
    ["SS", "run"],
    ["SF", "run"],
    ["FU", "run"],
    ["SR", "wait"],
    ["SK", "skip"],
    ["RK", "skip"], // skips fast
  ],
};

describe("readiness (Airflow trigger rules)", () => {
  for (const [rule, rows] of Object.entries(TABLE) as Array<[TriggerRule, Row[]]>) {
    describe(rule, () => {
      it.each(rows)("upstream %s → %s", (upstream, expected) => {
        expect(decide(rule, upstream)).toBe(expected);
      });

      it("runs a task with no upstream", () => {
        expect(decide(rule, "")).toBe("run");
      });

      it("waits while every upstream is still open", () => {
        expect(decide(rule, "PR")).toBe("wait");
      });
    });
  }

  it("treats a cancelled upstream like a failed one", () => {
    expect(decide("all_success", "SC")).toBe("upstream_failed");
    expect(decide("one_failed", "CR")).toBe("run");
    expect(decide("all_failed", "CF")).toBe("run");
  });
});
