import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RunCoordinator } from "../../src/run/coordinator/run-coordinator";
import { api, registerDag, taskOf, trigger, waitForRun } from "./helpers";
import { manualQueue } from "./manual-queue";
import { mockHttp } from "./mock-http";

/**
 * Heartbeats (HEARTBEAT_MS = 200, HEARTBEAT_TIMEOUT_MS = 1,000 in tests): a
 * live worker keeps its attempt's lease however long the task runs; a worker
 * that stops heartbeating loses the attempt within the heartbeat timeout plus
 * one alarm, and the task runs again as a new attempt.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

describe("heartbeats", () => {
  it("a worker that stops heartbeating mid-attempt: abandoned within the heartbeat timeout plus one alarm, a new attempt succeeds, history shows both", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    // Attempt 1 hangs (its worker is as good as dead); later attempts answer.
    let releaseFirst: () => void = () => undefined;
    const hung = new Promise<void>((r) => (releaseFirst = r));
    const http = mockHttp(async (req) => {
      if (req.headers.get("x-switchyard-attempt") === "1") await hung;
      return Response.json({ attempt: req.headers.get("x-switchyard-attempt") });
    });
    cleanups.push(http.restore);
    // The worker's heartbeats stop reaching the coordinator, as when its invocation is killed.
    const beats = vi.spyOn(RunCoordinator.prototype, "heartbeat").mockRejectedValue(new Error("worker gone"));
    cleanups.push(() => beats.mockRestore());
    await registerDag("hb_lost", { tasks: { call: { type: "http", request: { url: "https://mock.test/slow" } } } });
    const { runId } = await trigger("hb_lost");
    const claimedAt = Date.now();
    const first = q.deliver(); // claims attempt 1 and hangs on it
    // Recovered by the coordinator's own alarm: no test hook fires it.
    const abandonedAt = await (async () => {
      for (let i = 0; i < 200; i++) {
        const { body } = await api(`/api/runs/${runId}/attempts`);
        if (body.attempts.some((a: any) => a.status === "abandoned")) return Date.now();
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("attempt 1 was never abandoned");
    })();
    // HEARTBEAT_TIMEOUT_MS (1 s) plus one alarm; far sooner than the task's 300 s timeout plus margin.
    expect(abandonedAt - claimedAt).toBeGreaterThanOrEqual(900);
    expect(abandonedAt - claimedAt).toBeLessThan(3_000);
    expect(beats).toHaveBeenCalled();
    beats.mockRestore();
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "call").output).toEqual({ attempt: "2" });
    const { body } = await api(`/api/runs/${runId}/attempts`);
    expect(body.attempts.map((a: any) => [a.attempt, a.status, a.error?.code ?? null])).toEqual([
      [1, "abandoned", "lease_expired"],
      [2, "success", null],
    ]);
    // The lost worker answers at last: its report is ignored, nothing changes.
    releaseFirst();
    await first;
    expect((await api(`/api/runs/${runId}/attempts`)).body.attempts).toHaveLength(2);
  });

  it("a live worker keeps its attempt past the heartbeat timeout: one attempt, one RPC per run per beat", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    const beats = vi.spyOn(RunCoordinator.prototype, "heartbeat");
    cleanups.push(() => beats.mockRestore());
    await registerDag("hb_live", {
      tasks: {
        a: { type: "function", function: "sleep", args: { ms: 2_000 } },
        b: { type: "function", function: "sleep", args: { ms: 2_000 } },
      },
    });
    const { runId } = await trigger("hb_live");
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    const { body } = await api(`/api/runs/${runId}/attempts`);
    expect(body.attempts.map((a: any) => [a.taskId, a.attempt, a.status])).toEqual([
      ["a", 1, "success"],
      ["b", 1, "success"],
    ]);
    // Both attempts ran in one invocation: each beat names both in one call (~2 s / 200 ms ≈ 10 beats).
    expect(beats.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(beats.mock.calls.length).toBeLessThanOrEqual(15);
    for (const [refs] of beats.mock.calls.slice(0, 3)) expect((refs as unknown[]).length).toBe(2);
    expect(env.HEARTBEAT_TIMEOUT_MS).toBe("1000");
  });

  it("a cancelled run's attempt is stopped by its worker at the next heartbeat, not run to its end", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("hb_cancel", { tasks: { long: { type: "function", function: "sleep", args: { ms: 5_000 } } } });
    const { runId } = await trigger("hb_cancel");
    const started = Date.now();
    const worker = q.deliver(); // claims `long` and sleeps
    for (let i = 0; i < 100; i++) {
      if (taskOf((await api(`/api/runs/${runId}`)).body, "long").status === "running") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancel = await api(`/api/runs/${runId}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(200);
    await worker;
    // Stopped within a heartbeat or two (HEARTBEAT_MS = 200 in tests), far from the sleep's 5 s.
    expect(Date.now() - started).toBeLessThan(2_500);
    const { body } = await api(`/api/runs/${runId}/attempts`);
    expect(body.attempts.map((a: any) => [a.attempt, a.status])).toEqual([[1, "cancelled"]]);
  });
});
