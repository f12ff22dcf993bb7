import { describe, expect, it } from "vitest";
import { validateDagSpec } from "../../../../src/dag/validate";
import { transition } from "../../../../src/run/machine";
import { EMPTY, keys, Sim, SQL, viewEffects } from "../harness";

/**
 * Run concurrency (`maxActiveTasks`, Airflow's `max_active_tasks`): at most N
 * attempts of a run are queued or running on workers at once; tasks ready
 * beyond that wait as `scheduled`, oldest first, whether the next attempt
 * would go through the queue or back to a reporting worker (continuation).
 */

const ONE_RETRY = { limit: 1, delaySeconds: 1, jitter: false } as const;
const FN = { type: "function", function: "echo" } as const;
const PARALLEL = ["p1", "p2", "p3", "p4", "p5", "p6"];

/** `start`, then six parallel tasks, then an `empty` join. */
function fanOut(): Record<string, unknown> {
  const tasks: Record<string, unknown> = { start: SQL };
  for (const id of PARALLEL) tasks[id] = { ...SQL, dependsOn: ["start"] };
  tasks.join = { ...EMPTY, dependsOn: PARALLEL };
  return tasks;
}

/** Attempts holding a slot: queued or running on a worker (a mapped task's parent is not an attempt). */
function holdingSlots(sim: Sim): string[] {
  return [...sim.state.tasks.values()]
    .filter((t) => (t.status === "queued" || t.status === "running") && t.mapped === undefined)
    .map((t) => t.key);
}

describe("maxActiveTasks", () => {
  it("queues two of six ready tasks and schedules the rest; each finish queues the oldest scheduled one", () => {
    const sim = new Sim(fanOut(), {}, { dag: { maxActiveTasks: 2 } });
    sim.claim();
    const fx = sim.report("start");
    expect(keys(fx.dispatch)).toEqual(["p1", "p2"]);
    expect(PARALLEL.map((id) => sim.status(id))).toEqual(["queued", "queued", "scheduled", "scheduled", "scheduled", "scheduled"]);
    // A scheduled task has no attempt yet: nothing was sent or leased for it.
    expect(sim.task("p3").attempt).toBe(0);

    let most = 0;
    const dispatched: string[] = [];
    while (sim.outbox.length > 0) {
      // Finish the newest queued task first, so slots free up out of order.
      const ref = sim.outbox[sim.outbox.length - 1]!;
      sim.claim(ref.taskKey);
      most = Math.max(most, holdingSlots(sim).length);
      const after = sim.report(ref.taskKey);
      dispatched.push(...after.dispatch.map((r) => r.taskKey));
      most = Math.max(most, holdingSlots(sim).length);
    }
    expect(most).toBe(2);
    // Slots went to the scheduled tasks in the order they became ready.
    expect(dispatched).toEqual(["p3", "p4", "p5", "p6"]);
    expect(sim.status("join")).toBe("success");
    expect(sim.state.run.status).toBe("success");
  });

  it("continuation hands back only as many attempts as there are free slots", () => {
    const sim = new Sim(fanOut(), {}, { dag: { maxActiveTasks: 2 } });
    sim.claim();
    const first = sim.report("start", { capacity: 4 });
    expect(keys(first.handBack)).toEqual(["p1", "p2"]);
    expect(first.dispatch).toEqual([]);
    expect(sim.status("p3")).toBe("scheduled");

    const next = sim.report("p1", { capacity: 4 });
    expect(keys(next.handBack)).toEqual(["p3"]);
    expect(next.dispatch).toEqual([]);
    expect(holdingSlots(sim).sort()).toEqual(["p2", "p3"]);
  });

  it("a task waiting for its retry gives up its slot; when the retry is due it waits behind older scheduled tasks", () => {
    const sim = new Sim(
      { a: { ...SQL, retries: ONE_RETRY }, b: SQL, c: SQL, d: SQL },
      {},
      { dag: { maxActiveTasks: 2 } },
    );
    expect(keys(sim.fx.dispatch)).toEqual(["a", "b"]);
    sim.claim();
    const failed = sim.report("a", { ok: false, error: { message: "boom" } });
    expect(sim.status("a")).toBe("up_for_retry");
    expect(keys(failed.dispatch)).toEqual(["c"]);

    sim.advance(1_000);
    const due = sim.fire();
    // b and c hold both slots: the retry is scheduled behind d, which has waited since the start.
    expect(due.dispatch).toEqual([]);
    expect(sim.status("a")).toBe("scheduled");
    sim.claim();
    expect(keys(sim.report("b").dispatch)).toEqual(["d"]);
    expect(sim.report("c").dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("a dag task waiting for its child run gives up its slot to the next ready task", () => {
    const sim = new Sim(
      { child: { type: "dag", dagId: "kid" }, b: SQL, after: { ...EMPTY, dependsOn: ["child", "b"] } },
      {},
      { dag: { maxActiveTasks: 1 } },
    );
    expect(sim.fx.dispatch).toEqual([{ taskKey: "child", attempt: 1 }]);
    expect(sim.status("b")).toBe("scheduled");
    sim.claim();
    // The attempt started the child run and now only waits for it: the slot goes to b.
    const started = sim.report("child", { childRunId: "c1", waiting: true });
    expect(started.dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(sim.statuses()).toEqual({ child: "running", b: "queued", after: "pending" });
    expect(sim.task("child").waiting).toBe(true);
    sim.claim();
    sim.report("b");
    const ended = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "success" } });
    expect(ended.finished).toBe("success");
    expect(sim.statuses()).toEqual({ child: "success", b: "success", after: "success" });
  });

  it("a task failed for good whose fallback task runs in its place holds no slot: the fallback task gets it", () => {
    const sim = new Sim({ p: { ...SQL, fallback: { task: "alt" } }, alt: FN }, {}, { dag: { maxActiveTasks: 1 } });
    sim.claim();
    const failed = sim.report("p", { ok: false, error: { message: "db down" } });
    // p waits for alt (still `running`, its attempt over); with one slot, alt must be able to take it.
    expect(failed.dispatch).toEqual([{ taskKey: "alt", attempt: 1 }]);
    expect(sim.statuses()).toEqual({ p: "running", alt: "queued" });
    sim.claim();
    expect(sim.report("alt").finished).toBe("success");
    expect(sim.task("p").fallbackUsed).toBe(true);
  });

  it("a task waiting for its fallback task frees its slot for an older scheduled task first, then the fallback task runs", () => {
    const sim = new Sim({ p: { ...SQL, fallback: { task: "alt" } }, alt: FN, b: SQL }, {}, { dag: { maxActiveTasks: 1 } });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "p", attempt: 1 }]);
    sim.claim();
    const failed = sim.report("p", { ok: false, error: { message: "db down" } });
    // b has waited since the start: it gets the slot p gave up; alt waits behind it.
    expect(failed.dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(sim.statuses()).toEqual({ p: "running", alt: "scheduled", b: "queued" });
    sim.claim();
    expect(sim.report("b").dispatch).toEqual([{ taskKey: "alt", attempt: 1 }]);
    sim.claim();
    expect(sim.report("alt").finished).toBe("success");
    expect(sim.statuses()).toEqual({ p: "success", alt: "success", b: "success" });
  });

  it("a coordinator reloaded from storage goes on granting slots in the same order", () => {
    const sim = new Sim(fanOut(), {}, { dag: { maxActiveTasks: 2 } });
    sim.claim();
    sim.report("start");
    sim.claim();
    // What a reload reads back: the same rows, new objects (nothing kept in memory), a new index.
    const reloaded = sim.reloaded();
    const report = (id: string) => {
      const claim = reloaded.state.tasks.get(id)?.claim;
      const outcome = { taskKey: id, attempt: 1, ok: true, ...(claim === undefined ? {} : { claim }) };
      return viewEffects(transition(reloaded, { type: "AttemptsFinished", outcomes: [outcome], capacity: 0 }, sim.ctx), reloaded.state);
    };
    expect(report("p2").dispatch).toEqual([{ taskKey: "p3", attempt: 1 }]);
    expect(report("p1").dispatch).toEqual([{ taskKey: "p4", attempt: 1 }]);
    expect([...reloaded.state.tasks.values()].filter((t) => t.status === "queued").map((t) => t.key)).toEqual(["p3", "p4"]);
  });

  it("a 10,000-wide map under a limit of 16: never more than 16 on workers, and each report changes at most three rows", () => {
    const n = 10_000;
    const spec = { src: SQL, m: { type: "function", function: "echo", dependsOn: ["src"], map: { over: "tasks.src.output", maxMapLength: n } } };
    const sim = new Sim(spec, {}, { dag: { maxActiveTasks: 16 } });
    sim.claim();
    const expanded = sim.report("src", { output: Array.from({ length: n }, (_, i) => i) });
    const onWorkers = new Set(expanded.dispatch.map((r) => r.taskKey));
    let most = onWorkers.size;
    let changedRows = 0;
    while (sim.outbox.length > 0) {
      const batch = sim.outbox.map((r) => r.taskKey);
      sim.claim();
      for (const id of batch) {
        const fx = sim.report(id);
        onWorkers.delete(id);
        for (const r of fx.dispatch) onWorkers.add(r.taskKey);
        most = Math.max(most, onWorkers.size);
        changedRows = Math.max(changedRows, fx.changedTasks.size);
      }
    }
    expect(most).toBe(16);
    // Work per report stays constant: the finished instance, the parent's counters, the next instance.
    expect(changedRows).toBeLessThanOrEqual(3);
    expect(sim.status("m")).toBe("success");
    expect(sim.task("m").mapDone).toBe(n);
  });

  it("a run cancelled and retried gets its slots back", () => {
    const sim = new Sim({ a: SQL, b: SQL, c: SQL }, {}, { dag: { maxActiveTasks: 2 } });
    sim.claim();
    sim.send({ type: "CancelRequested" });
    const retried = sim.send({ type: "RetryRequested" });
    expect(retried.dispatch).toEqual([
      { taskKey: "a", attempt: 2 },
      { taskKey: "b", attempt: 2 },
    ]);
    expect(sim.status("c")).toBe("scheduled");
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("control tasks never wait for a slot", () => {
    const sim = new Sim({ a: SQL, b: SQL, e: EMPTY, after: { ...EMPTY, dependsOn: ["e"] } }, {}, { dag: { maxActiveTasks: 1 } });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "a", attempt: 1 }]);
    expect(sim.statuses()).toEqual({ a: "queued", b: "scheduled", e: "success", after: "success" });
  });

  it("mapped instances share the run's slots", () => {
    const sim = new Sim(
      {
        src: SQL,
        m: { type: "function", function: "echo", dependsOn: ["src"], map: { over: "tasks.src.output", maxActive: 5 } },
        other: SQL,
      },
      {},
      { dag: { maxActiveTasks: 2 } },
    );
    expect(keys(sim.fx.dispatch)).toEqual(["other", "src"]);
    sim.claim();
    sim.report("src", { output: [0, 1, 2, 3, 4] });
    // `other` still holds a slot: one instance may start.
    expect(holdingSlots(sim).sort()).toEqual(["m[0]", "other"]);
    let most = 0;
    while (sim.outbox.length > 0) {
      const ref = sim.outbox[0]!;
      sim.claim(ref.taskKey);
      sim.report(ref.taskKey);
      most = Math.max(most, holdingSlots(sim).length);
    }
    expect(most).toBe(2);
    expect(sim.status("m")).toBe("success");
    sim.report("other");
    expect(sim.state.run.status).toBe("success");
  });

  it("cancelling the run ends scheduled tasks without recording an attempt for them", () => {
    const sim = new Sim({ a: SQL, b: SQL, c: SQL }, {}, { dag: { maxActiveTasks: 1 } });
    const fx = sim.send({ type: "CancelRequested", reason: "stop" });
    expect(sim.statuses()).toEqual({ a: "cancelled", b: "cancelled", c: "cancelled" });
    expect(fx.attempts.map((r) => [r.taskKey, r.attempt, r.status])).toEqual([["a", 1, "cancelled"]]);
  });

  it("is a positive integer", () => {
    for (const bad of [0, 1.5, -1, "2"]) {
      const result = validateDagSpec({ maxActiveTasks: bad, tasks: { a: SQL } });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(["maxActiveTasks"]);
    }
  });
});
