import { describe, expect, it } from "vitest";
import { ganttGeometry, timeTicks, type GanttAttempt } from "../../../src/ui/lib/gantt";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const a = (taskId: string, attempt: number, status: string, q: number, s: number | null, e: number | null, mapIndex: number | null = null): GanttAttempt => ({
  taskId,
  mapIndex,
  attempt,
  status,
  queuedAt: at(q),
  startedAt: s === null ? null : at(s),
  endedAt: e === null ? null : at(e),
});

describe("ganttGeometry", () => {
  it("draws each attempt as its own bar, a retry on its task's row, scaled to the width", () => {
    const g = ganttGeometry([a("extract", 1, "failed", 0, 0, 1_000), a("extract", 2, "success", 2_000, 2_000, 3_000), a("load", 1, "success", 3_000, 3_000, 4_000)], 0, 400);
    expect(g.rows).toEqual(["extract", "load"]);
    expect(g.spanMs).toBe(4_000);
    expect(g.bars.map((b) => [b.label, b.attempt, b.row, b.x, b.width])).toEqual([
      ["extract", 1, 0, 0, 100],
      ["extract", 2, 0, 200, 100],
      ["load", 1, 1, 300, 100],
    ]);
    expect(g.bars[0]?.text).toBe("extract attempt 1: failed, 1.0 s");
  });

  it("works on a run in progress: a running attempt ends now, a queued one starts at its queue time", () => {
    const now = Date.UTC(2026, 0, 1) + 5_000;
    const g = ganttGeometry([a("extract", 1, "running", 0, 1_000, null), a("price", 1, "queued", 4_000, null, null, 3)], now, 500);
    expect(g.rows).toEqual(["extract", "price[3]"]);
    expect(g.bars[0]).toMatchObject({ open: true, startMs: 0, endMs: 4_000 });
    expect(g.bars[0]?.text).toContain("so far");
    // The queued attempt waits from its queue time until now (the span starts at the first start).
    expect(g.bars[1]).toMatchObject({ x: 375, width: 125, open: true, status: "queued" });
    expect((g.bars[1]?.x ?? 0) + (g.bars[1]?.width ?? 0)).toBeLessThanOrEqual(500);
  });

  it("gives an instant attempt a visible width inside the chart", () => {
    const g = ganttGeometry([a("a", 1, "success", 0, 0, 10_000), a("b", 1, "success", 10_000, 10_000, 10_000)], 0, 100);
    expect(g.bars[1]).toMatchObject({ width: 3, x: 97 });
  });

  it("has nothing to draw before any attempt, and round ticks", () => {
    expect(ganttGeometry([], 0, 100)).toEqual({ rows: [], bars: [], ticks: [], spanMs: 0 });
    expect(timeTicks(4_000, 400).map((t) => t.label)).toEqual(["0", "+1 s", "+2 s", "+3 s", "+4 s"]);
    expect(timeTicks(600_000, 600).map((t) => t.label)).toEqual(["0", "+2 m", "+4 m", "+6 m", "+8 m", "+10 m"]);
  });
});
