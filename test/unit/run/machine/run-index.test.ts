import { describe, expect, it } from "vitest";
import { nextWakeAt } from "../../../../src/run/machine";
import { dueAt } from "../../../../src/run/machine/task-instance";
import { isTerminalTask } from "../../../../src/run/types";
import { Sim, SQL } from "../harness";

/**
 * The run index answers without scanning the run's tasks: what is still
 * open, what failed, what the alarm must look at next. `visited` counts the
 * task instances the machine looked at, so work per event can be bounded.
 */

/** What a scan of every task would say: open instances, and the earliest retry or lease. */
function scanned(sim: Sim): { open: number; wake: number | undefined } {
  let open = 0;
  let wake: number | undefined;
  for (const t of sim.state.tasks.values()) {
    if (!isTerminalTask(t.status)) open += 1;
    const at = dueAt(t);
    if (at !== undefined && (wake === undefined || at < wake)) wake = at;
  }
  return { open, wake };
}

describe("run index", () => {
  it("agrees with a scan of the tasks after every event of a run with retries, a map, a lost worker and a clear", () => {
    const sim = new Sim({
      src: SQL,
      flaky: { ...SQL, dependsOn: ["src"], retries: { limit: 2, delaySeconds: 2, jitter: false } },
      m: { type: "function", function: "echo", dependsOn: ["src"], map: { over: "tasks.src.output", maxActive: 3 } },
      end: { type: "empty", dependsOn: ["flaky", "m"] },
    });
    const check = () => {
      sim.run.index.sync(sim.state.tasks);
      const scan = scanned(sim);
      expect(sim.run.index.openCount).toBe(scan.open);
      expect(nextWakeAt(sim.run)).toBe(sim.state.run.status === "running" ? scan.wake : undefined);
    };
    check();
    sim.claim();
    check();
    sim.report("src", { output: [1, 2, 3, 4, 5, 6, 7] });
    check();
    let failures = 0;
    for (let round = 0; round < 50 && sim.state.run.status === "running"; round++) {
      sim.claim();
      check();
      const running = [...sim.state.tasks.values()].filter((t) => t.status === "running" && t.mapped === undefined);
      for (const t of running) {
        if (t.key === "m[2]" && t.attempt === 1) continue; // its worker is lost: only the lease brings it back
        sim.report(t.key, { ok: !(t.taskId === "flaky" && failures++ < 2) });
        check();
      }
      sim.advance(2_000);
      sim.fire();
      check();
      if (sim.outbox.length === 0) {
        sim.advance(sim.ctx.config.heartbeatTimeoutMs);
        sim.fire();
        check();
      }
    }
    expect(sim.state.run.status).toBe("success");
    expect(sim.task("m[2]").attempt).toBe(2);
    sim.send({ type: "ClearRequested", taskIds: ["m"], downstream: true });
    check();
    sim.drain();
    check();
    expect(sim.state.run.status).toBe("success");
  });

  for (const limit of [undefined, 16]) {
    it(`a 10,000-wide map${limit ? ` under maxActiveTasks ${limit}` : ""}: each report visits a bounded number of tasks (only the last assembles the outputs)`, () => {
      const n = 10_000;
      const spec = { src: SQL, m: { type: "function", function: "echo", dependsOn: ["src"], map: { over: "tasks.src.output", maxMapLength: n } } };
      const sim = new Sim(spec, {}, limit === undefined ? {} : { dag: { maxActiveTasks: limit } });
      sim.claim();
      sim.report("src", { output: Array.from({ length: n }, (_, i) => i) });
      const perReport: number[] = [];
      while (sim.outbox.length > 0) {
        const batch = sim.outbox.map((r) => r.taskKey);
        sim.claim();
        for (const id of batch) {
          const before = sim.run.index.visited;
          sim.report(id);
          perReport.push(sim.run.index.visited - before);
        }
      }
      expect(sim.state.run.status).toBe("success");
      expect(perReport).toHaveLength(n);
      const last = perReport.pop() ?? 0;
      // Every report but the one that ends the map: the instance, its parent, the next instance or two.
      expect(Math.max(...perReport)).toBeLessThanOrEqual(8);
      // The last one builds the mapped output once (n instances) and decides the run's end.
      expect(last).toBeLessThanOrEqual(n + 8);
      expect(last).toBeGreaterThanOrEqual(n);
    });
  }
});
