import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HeartbeatPulse } from "../../../src/run/heartbeat-pulse";
import { TimeoutWatch } from "../../../src/tasks/timeouts";

/** A stand-in for the RUNS namespace: records each heartbeat RPC by run id. */
function fakeEnv() {
  const calls: Array<{ runId: string; refs: unknown[] }> = [];
  const env = {
    RUNS: {
      idFromName: (name: string) => name,
      get: (id: string) => ({ heartbeat: async (refs: unknown[]) => void calls.push({ runId: id, refs }) }),
    },
  } as unknown as Env;
  return { env, calls };
}

describe("HeartbeatPulse", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("beats every interval with one RPC per run naming its running attempts, and stops when none runs", async () => {
    const { env, calls } = fakeEnv();
    const watch = new TimeoutWatch();
    const pulse = new HeartbeatPulse(env, watch, 1_000);
    const a = pulse.add("run-1", { taskKey: "a", attempt: 1, claim: "ca" });
    pulse.add("run-1", { taskKey: "b", attempt: 2, claim: "cb" });
    const c = pulse.add("run-2", { taskKey: "c", attempt: 1, claim: "cc" });
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([
      { runId: "run-1", refs: [{ taskKey: "a", attempt: 1, claim: "ca" }, { taskKey: "b", attempt: 2, claim: "cb" }] },
      { runId: "run-2", refs: [{ taskKey: "c", attempt: 1, claim: "cc" }] },
    ]);
    a();
    c();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.slice(2)).toEqual([{ runId: "run-1", refs: [{ taskKey: "b", attempt: 2, claim: "cb" }] }]);
    pulse.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(3);
    watch.close();
  });

  it("an attempt that ends within one period costs no heartbeat at all", async () => {
    const { env, calls } = fakeEnv();
    const watch = new TimeoutWatch();
    const pulse = new HeartbeatPulse(env, watch, 1_000);
    for (let i = 1; i <= 5; i++) {
      const done = pulse.add("run-1", { taskKey: `t${i}`, attempt: 1, claim: `c${i}` });
      await vi.advanceTimersByTimeAsync(100);
      done();
    }
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toEqual([]);
    watch.close();
  });
});
