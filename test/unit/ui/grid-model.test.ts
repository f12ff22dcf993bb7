import { describe, expect, it } from "vitest";
import { formatDuration, gridModel, type GridRunInput } from "../../../src/ui/lib/grid-model";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const run = (runId: string, status: string, start: number | null, end: number | null, tasks: GridRunInput["tasks"]): GridRunInput => ({
  runId,
  status,
  createdAt: t(0),
  startedAt: start === null ? null : t(start),
  endedAt: end === null ? null : t(end),
  tasks,
});

describe("gridModel", () => {
  // The endpoint answers newest first.
  const runs = [
    run("run-new-000", "running", 100, null, { a: { status: "success", attempts: 1 }, b: { status: "up_for_retry", attempts: 2 } }),
    run("run-old-000", "success", 0, 10, {
      a: { status: "success", attempts: 1 },
      b: { status: "success", attempts: 1, mapped: { total: 4, states: { success: 3, running: 1 } } },
    }),
    run("run-queued0", "queued", null, null, {}),
  ];
  const model = gridModel(["a", "b", "c"], runs, Date.parse(t(120)));

  it("puts runs oldest left with duration bars relative to the longest (a running run counts until now)", () => {
    expect(model.columns.map((c) => c.runId)).toEqual(["run-queued0", "run-old-000", "run-new-000"]);
    expect(model.columns.map((c) => c.durationMs)).toEqual([null, 10_000, 20_000]);
    expect(model.columns.map((c) => c.bar)).toEqual([0.04, 0.5, 1]);
    expect(model.columns[2]?.label).toBe("run run-new-: running, 20.0 s");
  });

  it("has a row per task in the given order, absent tasks as no status, states and attempts as text", () => {
    expect(model.rows.map((r) => r.taskId)).toEqual(["a", "b", "c"]);
    const b = model.rows[1]?.cells ?? [];
    expect(b.map((c) => c.status)).toEqual(["none", "success", "up_for_retry"]);
    expect(b[0]?.text).toBe("b in run run-queu: no status");
    expect(b[2]?.text).toBe("b in run run-new-: up for retry, 2 attempts");
    expect(b[1]?.mapped).toBe("3/4");
    expect(b[1]?.text).toContain("(3/4 mapped)");
  });

  it("formats durations", () => {
    expect([850, 12_345, 245_000, 7_380_000].map(formatDuration)).toEqual(["850 ms", "12.3 s", "4 m 05 s", "2 h 03 m"]);
  });
});
