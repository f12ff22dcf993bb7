import { describe, expect, it } from "vitest";
import { TASK_STATUSES, RUN_STATUSES } from "../../../src/run/types";
import { jsonPreview } from "../../../src/ui/lib/json-preview";
import { nextPollDelay, POLL_HIDDEN_MS, POLL_MAX_MS, POLL_MIN_MS } from "../../../src/ui/lib/poll";
import { isFinalRunStatus, stateClass, stateLabel, UI_STATES } from "../../../src/ui/lib/states";
import { groupTasks, type RunTaskInput } from "../../../src/ui/lib/task-groups";

describe("the state palette", () => {
  it("knows every run, task and attempt state, as a class and as words", () => {
    for (const s of [...TASK_STATUSES, ...RUN_STATUSES, "abandoned"]) expect(UI_STATES).toContain(s);
    expect(stateClass("up_for_retry")).toBe("st-up_for_retry");
    expect(stateLabel("upstream_failed")).toBe("upstream failed");
    expect(stateClass("weird")).toBe("st-none");
    expect(stateLabel(undefined)).toBe("no status");
    expect(["success", "failed", "cancelled", "running"].map(isFinalRunStatus)).toEqual([true, true, true, false]);
  });
});

describe("nextPollDelay", () => {
  it("polls quickly on change, backs off when idle, slowly in a hidden tab", () => {
    expect(nextPollDelay(5_000, { changed: true, hidden: false })).toBe(POLL_MIN_MS);
    expect(nextPollDelay(1_000, { changed: false, hidden: false })).toBe(1_500);
    expect(nextPollDelay(9_000, { changed: false, hidden: false })).toBe(POLL_MAX_MS);
    expect(nextPollDelay(1_000, { changed: true, hidden: true })).toBe(POLL_HIDDEN_MS);
  });
});

describe("jsonPreview", () => {
  it("pretty-prints, and cuts long values saying how long the whole is", () => {
    expect(jsonPreview({ a: 1 })).toEqual({ text: '{\n  "a": 1\n}', truncated: false, length: 12 });
    const long = jsonPreview({ s: "x".repeat(5_000) }, 100);
    expect(long.truncated).toBe(true);
    expect(long.text.length).toBe(102);
    expect(long.length).toBe(5_013);
  });
});

describe("groupTasks", () => {
  const task = (taskId: string, mapIndex: number | null, status: string, extra: Partial<RunTaskInput> = {}): RunTaskInput => ({
    taskId, mapIndex, status, attempts: 1, startedAt: null, endedAt: null, output: null, error: null, ...extra,
  });
  it("folds mapped instances into counts by state under their task", () => {
    const groups = groupTasks([
      task("list", null, "success"),
      task("each", null, "running", { mapped: { total: 4, done: 3, failed: 1, active: 1 } }),
      task("each", 0, "success"),
      task("each", 1, "failed"),
      task("each", 2, "success"),
      task("each", 3, "running"),
    ]);
    expect(groups.map((g) => g.task.taskId)).toEqual(["list", "each"]);
    expect(groups[1]?.instances).toHaveLength(4);
    expect(groups[1]?.counts).toEqual([{ status: "success", n: 2 }, { status: "failed", n: 1 }, { status: "running", n: 1 }]);
    expect(groups[1]?.progress).toBe("3/4");
    expect(groups[0]?.progress).toBeUndefined();
  });
});
