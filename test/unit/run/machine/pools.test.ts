import { describe, expect, it } from "vitest";
import { validateDagSpec } from "../../../../src/dag/validate";
import { holdsPoolLease, transition } from "../../../../src/run/machine";
import { taskView } from "../../../../src/run/view";
import { EMPTY, keys, Sim, SQL } from "../harness";
import { ONE_RETRY } from "./fixtures";

/**
 * Pools in the run machine: a task with `pool` waits as `scheduled` (taking no
 * run slot) until its pool grants its attempt a lease; the lease goes back when
 * the attempt ends however it ends, and a retry or a new attempt asks again.
 * The pool itself (one Durable Object shared by every run) is pool-book.ts.
 */

const POOLED = { ...SQL, pool: "db" } as const;

/** What a transition asked of pool `db`: [released, acquired] as "key#attempt". */
function asked(sim: Sim): [string[], string[]] {
  const c = sim.fx.pools.filter((p) => p.pool === "db");
  return [c.flatMap((p) => p.release.map((r) => `${r.taskKey}#${r.attempt}`)), c.flatMap((p) => p.acquire.map((r) => `${r.taskKey}#${r.attempt}`))];
}

describe("pools in the run machine", () => {
  it("a pooled task waits as scheduled for its pool, runs once granted, and gives the lease back when it ends", () => {
    const sim = new Sim({ load: { ...POOLED, poolSlots: 2, priorityWeight: 7 }, done: { ...EMPTY, dependsOn: ["load"] } });
    expect(sim.status("load")).toBe("scheduled");
    expect(sim.task("load").attempt).toBe(0);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.fx.pools).toEqual([
      { type: "UpdatePoolLeases", pool: "db", release: [], acquire: [{ taskKey: "load", attempt: 1, slots: 2, priority: 7, requestedAt: sim.ctx.now }] },
    ]);
    expect(taskView(sim.task("load")).waitingFor).toEqual({ pool: "db" });

    const granted = sim.poolAnswer("db", ["load"]);
    expect(keys(granted.dispatch)).toEqual(["load"]);
    expect(sim.status("load")).toBe("queued");
    expect(taskView(sim.task("load")).waitingFor).toBeUndefined();
    expect(granted.pools).toEqual([]); // nothing more to ask

    sim.claim();
    sim.report("load");
    expect(asked(sim)).toEqual([["load#1"], []]);
    expect(sim.state.run.status).toBe("success");
  });

  it("runs without pools issue no pool command and write what they wrote before", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] } });
    sim.claim();
    const fx = sim.report("a");
    expect(fx.pools).toEqual([]);
    expect([...fx.changedTasks].sort()).toEqual(["a", "b"]);
    expect(sim.plan.pooled).toBe(false);
  });

  it("a repeated grant is counted once; a grant for an attempt that is over goes straight back", () => {
    const sim = new Sim({ a: POOLED });
    sim.poolAnswer("db", ["a"]);
    const again = sim.send({ type: "PoolAnswered", pool: "db", granted: [{ taskKey: "a", attempt: 1 }], refused: [] });
    expect(again.dispatch).toEqual([]);
    expect(again.pools).toEqual([]);
    expect(sim.task("a").attempt).toBe(1);
    // A grant for another attempt (a stale callback) is refused by the run and released.
    const stale = sim.send({ type: "PoolAnswered", pool: "db", granted: [{ taskKey: "a", attempt: 7 }], refused: [] });
    expect(stale.ignored).toEqual([{ taskKey: "a", attempt: 7, reason: "not_active" }]);
    expect(asked(sim)).toEqual([["a#7"], []]);
  });

  it("a failed attempt gives its lease back while it waits for its retry, and the retry asks again", () => {
    const sim = new Sim({ a: { ...POOLED, retries: ONE_RETRY } });
    sim.poolAnswer("db", ["a"]);
    sim.claim();
    sim.report("a", { ok: false, error: { message: "boom" } });
    expect(sim.status("a")).toBe("up_for_retry");
    expect(asked(sim)).toEqual([["a#1"], []]);
    sim.advance(1_000);
    sim.fire();
    expect(sim.status("a")).toBe("scheduled");
    expect(asked(sim)).toEqual([[], ["a#2"]]);
    expect(sim.fx.dispatch).toEqual([]);
    sim.poolAnswer("db", ["a"]);
    expect(sim.status("a")).toBe("queued");
    expect(sim.task("a").attempt).toBe(2);
  });

  it("an attempt whose worker stopped heartbeating is abandoned and its lease given back in the same transition that asks for the next", () => {
    const sim = new Sim({ a: POOLED }, { heartbeatTimeoutMs: 1_000 });
    sim.poolAnswer("db", ["a"]);
    sim.claim();
    expect(holdsPoolLease(sim.state, "db", { taskKey: "a", attempt: 1 })).toBe(true);
    sim.advance(1_000);
    const fx = sim.fire();
    expect(fx.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, "abandoned"]]);
    expect(fx.pools).toHaveLength(1); // one call to the pool
    expect(asked(sim)).toEqual([["a#1"], ["a#2"]]);
    expect(holdsPoolLease(sim.state, "db", { taskKey: "a", attempt: 1 })).toBe(false);
    expect(holdsPoolLease(sim.state, "db", { taskKey: "a", attempt: 2 })).toBe(true);
  });

  it("cancel gives back held leases and requests still waiting", () => {
    const sim = new Sim({ a: POOLED, b: POOLED });
    sim.poolAnswer("db", ["a"]);
    sim.claim();
    const fx = sim.send({ type: "CancelRequested" });
    expect(fx.finished).toBe("cancelled");
    expect(asked(sim)[0].sort()).toEqual(["a#1", "b#1"]);
    expect(holdsPoolLease(sim.state, "db", { taskKey: "b", attempt: 1 })).toBe(false);
  });

  it("clearing a running pooled task gives its lease back and asks for one for the new attempt", () => {
    const sim = new Sim({ a: POOLED });
    sim.poolAnswer("db", ["a"]);
    sim.claim();
    sim.send({ type: "ClearRequested", taskIds: ["a"], downstream: false });
    expect(asked(sim)).toEqual([["a#1"], ["a#2"]]);
  });

  it("a refusal (an unknown pool, too many poolSlots) fails the task for good with an error naming the pool", () => {
    const sim = new Sim({ a: POOLED, after: { ...SQL, dependsOn: ["a"] } });
    sim.poolAnswer("db", [], [{ id: "a", message: "the pool does not exist" }]);
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").error).toEqual({ message: "pool 'db': the pool does not exist", code: "pool", retryable: false });
    expect(sim.status("after")).toBe("upstream_failed");
    expect(sim.fx.pools).toEqual([]); // nothing was held
  });

  it("pool first: a task waiting for its pool holds no run slot; granted tasks take run slots in turn", () => {
    const sim = new Sim({ p1: POOLED, p2: POOLED, free: SQL }, {}, { dag: { maxActiveTasks: 1 } });
    // `free` takes the one run slot; both pooled tasks wait for the pool, not for the run.
    expect(keys(sim.fx.dispatch)).toEqual(["free"]);
    expect(asked(sim)[1]).toEqual(["p1#1", "p2#1"]);
    sim.poolAnswer("db", ["p1", "p2"]);
    expect(sim.status("p1")).toBe("scheduled"); // granted, now waiting for the run slot
    expect(taskView(sim.task("p1")).waitingFor).toBeUndefined();
    expect(holdsPoolLease(sim.state, "db", { taskKey: "p1", attempt: 1 })).toBe(true);
    sim.claim();
    expect(keys(sim.report("free").dispatch)).toEqual(["p1"]);
    sim.claim();
    expect(keys(sim.report("p1").dispatch)).toEqual(["p2"]);
    expect(asked(sim)).toEqual([["p1#1"], []]);
  });

  it("a reloaded run keeps its leases: a task waiting for its pool does not get a run slot, a granted one does", () => {
    const sim = new Sim({ busy: SQL, p1: POOLED, p2: POOLED }, {}, { dag: { maxActiveTasks: 1 } });
    sim.poolAnswer("db", ["p2"]);
    const run = sim.reloaded();
    const claim = transition(run, { type: "AttemptsClaimed", refs: [{ taskKey: "busy", attempt: 1 }] }, sim.ctx);
    const t = run.state.tasks.get("busy");
    const fx = transition(
      run,
      { type: "AttemptsFinished", outcomes: [{ taskKey: "busy", attempt: 1, ok: true, claim: claim.reply.granted[0]?.claim ?? t?.claim ?? "" }], capacity: 0 },
      sim.ctx,
    );
    const dispatched = fx.commands.flatMap((c) => (c.type === "DispatchAttempts" ? c.refs.map((r) => r.taskKey) : []));
    expect(dispatched).toEqual(["p2"]);
    expect(run.state.tasks.get("p1")?.status).toBe("scheduled");
    expect(holdsPoolLease(run.state, "db", { taskKey: "p1", attempt: 1 })).toBe(true);
  });

  it("each mapped instance asks for its own lease", () => {
    const sim = new Sim({
      list: { type: "function", function: "range" },
      each: { ...POOLED, dependsOn: ["list"], map: { over: "tasks.list.output" } },
    });
    sim.claim();
    sim.report("list", { output: [1, 2, 3] });
    expect(asked(sim)[1]).toEqual(["each[0]#1", "each[1]#1", "each[2]#1"]);
    sim.poolAnswer("db", ["each[1]"]);
    expect(keys(sim.fx.dispatch)).toEqual(["each[1]"]);
  });

  it("a 2,500-wide pooled map asks for every lease, in commands of at most 1,000", () => {
    const sim = new Sim({
      list: { type: "function", function: "range" },
      each: { ...POOLED, dependsOn: ["list"], map: { over: "tasks.list.output" } },
    });
    sim.claim();
    sim.report("list", { output: Array.from({ length: 2_500 }, (_, i) => i) });
    expect(sim.fx.pools.map((c) => c.acquire.length)).toEqual([1_000, 1_000, 500]);
    expect(new Set(sim.fx.pools.flatMap((c) => c.acquire.map((a) => a.taskKey))).size).toBe(2_500);
    expect(sim.fx.pools[0]?.acquire[0]?.taskKey).toBe("each[0]");
  });

  it("validation names the fields: a control task takes no pool, poolSlots needs a pool, bad values", () => {
    const issues = (tasks: Record<string, unknown>) => {
      const r = validateDagSpec({ tasks });
      return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues({ j: { ...EMPTY, pool: "db" } })).toEqual(["tasks.j.pool: a empty task runs inside the coordinator and takes no pool slot"]);
    expect(issues({ a: { ...SQL, poolSlots: 2 } })).toEqual(["tasks.a.poolSlots: poolSlots needs a pool"]);
    expect(issues({ a: { ...SQL, pool: "db", poolSlots: 0 } })[0]).toMatch(/^tasks\.a\.poolSlots: /);
    expect(issues({ a: { ...SQL, pool: "no pool!" } })[0]).toMatch(/^tasks\.a\.pool: must match/);
    expect(issues({ a: { ...SQL, pool: "db", priorityWeight: 1.5 } })[0]).toMatch(/^tasks\.a\.priorityWeight: /);
  });
});
