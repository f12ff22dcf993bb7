import { describe, expect, it } from "vitest";
import { evaluateExpression } from "../../../src/expr/expression";
import { DEFAULT_MAX_MAP_LENGTH, nextWakeAt, scopeFor, type AlertRequest } from "../../../src/run/machine";
import { isFinishedRun, type AttemptRecord } from "../../../src/run/types";
import { EMPTY, keys, Sim, SQL } from "./harness";

/**
 * Flow control in the run state machine: `when`, branches, trigger rules with
 * skips, dynamic mapping, fallbacks, failure alerts, child DAG runs, and
 * rerunning / clearing tasks of a run.
 */

const FN = { type: "function", function: "echo" } as const;
const HOOK = { url: "https://hooks.example.com/task" } as const;
const DAG_HOOK = { url: "https://hooks.example.com/dag", headers: { "x-token": "t" } } as const;
/** One retry, one second later, no jitter: the retry is due exactly 1 s after the failure. */
const ONE_RETRY = { limit: 1, delaySeconds: 1, jitter: false } as const;

/** Fails the current attempt of `id`, waits for its retry and claims it again (the retry's dispatch). */
function failAndRetry(sim: Sim, id: string): void {
  sim.report(id, { ok: false, error: { message: `${id} broke`, code: "sql" } });
  expect(sim.status(id)).toBe("up_for_retry");
  sim.advance(1_000);
  sim.fire();
  sim.claim(id);
}

function attemptsOf(records: AttemptRecord[], key: string): Array<[number, string]> {
  return records.filter((r) => r.taskKey === key).map((r) => [r.attempt, r.status]);
}

// ---------------------------------------------------------------------------

describe("when", () => {
  const tasks = {
    a: { ...SQL, when: "params.enabled" },
    b: { ...SQL, dependsOn: ["a"] },
    c: { ...SQL, dependsOn: ["b"] },
  };

  it("false: the task is skipped without an attempt, and its all_success downstream is skipped too", () => {
    const sim = new Sim(tasks, {}, { params: { enabled: false } });
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.statuses()).toEqual({ a: "skipped", b: "skipped", c: "skipped" });
    expect(sim.task("a").attempt).toBe(0);
    expect(sim.fx.attempts).toEqual([]);
    // Nothing failed: a run whose tasks were all skipped succeeded.
    expect(sim.fx.finished).toBe("success");
  });

  it("true: the task runs", () => {
    const sim = new Sim(tasks, {}, { params: { enabled: true } });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "a", attempt: 1 }]);
    expect(sim.drain()).toEqual([["a"], ["b"], ["c"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("a when that cannot be evaluated (missing key) fails the task with an expression error; downstream is upstream_failed", () => {
    const sim = new Sim(tasks, {}, { params: {} });
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").error?.code).toBe("expression");
    expect(sim.task("a").error?.message).toMatch(/^when: /);
    expect(sim.task("a").error?.message).toContain("enabled");
    expect(sim.status("b")).toBe("upstream_failed");
    expect(sim.status("c")).toBe("upstream_failed");
    expect(sim.fx.finished).toBe("failed");
  });

  it("reads an upstream task's output through tasks.<id>.output", () => {
    const spec = { up: SQL, gated: { ...SQL, dependsOn: ["up"], when: "tasks.up.output.x > 3" } };

    const big = new Sim(spec);
    big.claim();
    expect(big.report("up", { output: { x: 5 } }).dispatch).toEqual([{ taskKey: "gated", attempt: 1 }]);

    const small = new Sim(spec);
    small.claim();
    const fx = small.report("up", { output: { x: 1 } });
    expect(fx.dispatch).toEqual([]);
    expect(small.status("gated")).toBe("skipped");
    expect(fx.finished).toBe("success");
  });

  it("only `true` runs the task: a truthy non-boolean value skips it", () => {
    const sim = new Sim({ a: { ...SQL, when: "params.n" } }, {}, { params: { n: 1 } });
    expect(sim.status("a")).toBe("skipped");
  });
});

// ---------------------------------------------------------------------------

describe("branch", () => {
  const spec = {
    pick: { type: "branch", expression: "params.data_volume > 1000000 ? 'heavy' : 'light'" },
    heavy: { ...SQL, dependsOn: ["pick"] },
    light: { ...SQL, dependsOn: ["pick"] },
    join: { ...SQL, dependsOn: ["heavy", "light"], triggerRule: "none_failed_min_one_success" },
  };

  it("follows only the chosen downstream, skips the other, and the join runs after it", () => {
    const sim = new Sim(spec, {}, { params: { data_volume: 2_000_000 } });
    // The branch runs inline, inside createRun: no queue hop.
    expect(sim.status("pick")).toBe("success");
    expect(sim.task("pick").via).toBe("inline");
    expect(sim.task("pick").output).toEqual({ followed: ["heavy"] });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "heavy", attempt: 1 }]);
    expect(sim.status("light")).toBe("skipped");
    expect(sim.status("join")).toBe("pending");

    expect(sim.drain()).toEqual([["heavy"], ["join"]]);
    expect(sim.statuses()).toEqual({ pick: "success", heavy: "success", light: "skipped", join: "success" });
    expect(sim.state.run.status).toBe("success");
  });

  it("takes the other path for a small volume (and at the boundary)", () => {
    for (const volume of [10, 1_000_000]) {
      const sim = new Sim(spec, {}, { params: { data_volume: volume } });
      expect(sim.task("pick").output).toEqual({ followed: ["light"] });
      expect(sim.fx.dispatch).toEqual([{ taskKey: "light", attempt: 1 }]);
      expect(sim.status("heavy")).toBe("skipped");
      expect(sim.drain()).toEqual([["light"], ["join"]]);
      expect(sim.state.run.status).toBe("success");
    }
  });

  it("a join with the default all_success after a branch is skipped (as in Airflow)", () => {
    const sim = new Sim({ ...spec, join: { ...SQL, dependsOn: ["heavy", "light"] } }, {}, { params: { data_volume: 1 } });
    sim.drain();
    expect(sim.status("join")).toBe("skipped");
    expect(sim.state.run.status).toBe("success");
  });

  it("a list follows several downstream tasks", () => {
    const sim = new Sim({
      pick: { type: "branch", expression: "['a', 'c']" },
      a: { ...SQL, dependsOn: ["pick"] },
      b: { ...SQL, dependsOn: ["pick"] },
      c: { ...SQL, dependsOn: ["pick"] },
    });
    expect(sim.task("pick").output).toEqual({ followed: ["a", "c"] });
    expect(keys(sim.fx.dispatch)).toEqual(["a", "c"]);
    expect(sim.status("b")).toBe("skipped");
  });

  it("a task downstream of an unfollowed task (not of the branch) is skipped transitively", () => {
    const sim = new Sim({
      pick: { type: "branch", expression: "'a'" },
      a: { ...SQL, dependsOn: ["pick"] },
      b: { ...SQL, dependsOn: ["pick"] },
      b2: { ...SQL, dependsOn: ["b"] },
    });
    expect(sim.status("b2")).toBe("skipped");
  });

  it("an id that is not a direct downstream fails the branch with a message naming it and the choices", () => {
    for (const expression of ["'nope'", "'join'"]) {
      const sim = new Sim({ ...spec, pick: { type: "branch", expression } });
      const pick = sim.task("pick");
      expect(pick.status).toBe("failed");
      expect(pick.error?.code).toBe("branch");
      const id = expression.slice(1, -1);
      expect(pick.error?.message).toContain(`"${id}" is not a downstream task of 'pick'`);
      expect(pick.error?.message).toContain("heavy");
      expect(pick.error?.message).toContain("light");
      expect(sim.fx.dispatch).toEqual([]);
      expect(sim.statuses()).toEqual({ pick: "failed", heavy: "upstream_failed", light: "upstream_failed", join: "upstream_failed" });
      expect(sim.fx.finished).toBe("failed");
    }
  });

  it("an expression that fails to evaluate fails the branch with an expression error", () => {
    const sim = new Sim(spec, {}, { params: {} });
    expect(sim.status("pick")).toBe("failed");
    expect(sim.task("pick").error?.code).toBe("expression");
    expect(sim.task("pick").error?.message).toContain("data_volume");
  });

  it("a branch after a dispatched task reads its output and decides when it succeeds", () => {
    const sim = new Sim({
      load: SQL,
      pick: { type: "branch", expression: "tasks.load.output.rows > 0 ? 'report' : 'alert'", dependsOn: ["load"] },
      report: { ...SQL, dependsOn: ["pick"] },
      alert: { ...SQL, dependsOn: ["pick"] },
    });
    sim.claim();
    const fx = sim.report("load", { output: { rows: 0 } });
    expect(fx.dispatch).toEqual([{ taskKey: "alert", attempt: 1 }]);
    expect(sim.status("report")).toBe("skipped");
  });
});

// ---------------------------------------------------------------------------

describe("trigger rules with skipped upstream", () => {
  it("all_success downstream of a skipped task is skipped", () => {
    const sim = new Sim({ off: { ...SQL, when: "false" }, on: SQL, both: { ...SQL, dependsOn: ["off", "on"] } });
    expect(sim.status("off")).toBe("skipped");
    // Decided as soon as one upstream is skipped, even before the other finished.
    expect(sim.status("both")).toBe("skipped");
    expect(sim.drain()).toEqual([["on"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("none_skipped: skipped when any upstream was skipped, runs when none was", () => {
    const skipped = new Sim({ off: { ...SQL, when: "false" }, on: SQL, j: { ...SQL, dependsOn: ["off", "on"], triggerRule: "none_skipped" } });
    skipped.drain();
    expect(skipped.status("j")).toBe("skipped");

    const ran = new Sim({ a: SQL, b: SQL, j: { ...SQL, dependsOn: ["a", "b"], triggerRule: "none_skipped" } });
    ran.claim();
    ran.report("a", { ok: false });
    // A failed upstream is not a skipped one: none_skipped still runs.
    expect(ran.report("b").dispatch).toEqual([{ taskKey: "j", attempt: 1 }]);
  });

  it("all_done runs after a failed upstream; the run still ends failed", () => {
    const sim = new Sim({ a: SQL, cleanup: { ...SQL, dependsOn: ["a"], triggerRule: "all_done" } });
    sim.claim();
    expect(sim.report("a", { ok: false }).dispatch).toEqual([{ taskKey: "cleanup", attempt: 1 }]);
    sim.claim();
    expect(sim.report("cleanup").finished).toBe("failed");
    expect(sim.status("cleanup")).toBe("success");
  });

  it("all_done also runs after a skipped upstream", () => {
    const sim = new Sim({ a: { ...SQL, when: "false" }, cleanup: { ...SQL, dependsOn: ["a"], triggerRule: "all_done" } });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "cleanup", attempt: 1 }]);
  });
});

// ---------------------------------------------------------------------------

describe("dynamic mapping", () => {
  /** src yields a list; `m` maps over it; `after` needs every instance. */
  function mapped(map: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      src: SQL,
      m: { ...FN, args: { n: "{{ item }}" }, dependsOn: ["src"], map: { over: "tasks.src.output", ...map }, ...extra },
      after: { ...SQL, dependsOn: ["m"] },
    };
  }

  function started(tasks: Record<string, unknown>, list: unknown): Sim {
    const sim = new Sim(tasks);
    sim.claim();
    sim.report("src", { output: list });
    return sim;
  }

  it("expands a list of N items into N instances task[0]..task[N-1], each dispatched", () => {
    const sim = started(mapped({}), ["a", "b", "c"]);
    expect(sim.fx.dispatch).toEqual([
      { taskKey: "m[0]", attempt: 1 },
      { taskKey: "m[1]", attempt: 1 },
      { taskKey: "m[2]", attempt: 1 },
    ]);
    expect(sim.instances("m").map((t) => [t.key, t.mapIndex, t.status])).toEqual([
      ["m[0]", 0, "queued"],
      ["m[1]", 1, "queued"],
      ["m[2]", 2, "queued"],
    ]);
    expect(sim.status("m")).toBe("running");
    expect(sim.task("m").mapped).toBe(3);
    expect(sim.status("after")).toBe("pending");
  });

  it("works for sql tasks too", () => {
    const sim = started(
      { src: SQL, m: { type: "sql", sql: "insert into t values ({{ item }})", dependsOn: ["src"], map: { over: "tasks.src.output" } } },
      [1, 2],
    );
    expect(keys(sim.fx.dispatch)).toEqual(["m[0]", "m[1]"]);
    expect(sim.drain()).toEqual([["m[0]", "m[1]"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("instances see their item and mapIndex through scopeFor; the parent sees neither", () => {
    const sim = started(mapped({}), [{ id: 7 }, { id: 8 }]);
    const p = sim.plan.byId.get("m")!;
    const scope = scopeFor(sim.state, sim.plan, p, sim.task("m[1]"));
    expect(scope.item).toEqual({ id: 8 });
    expect(scope.mapIndex).toBe(1);
    expect(scope.tasks.src?.output).toEqual([{ id: 7 }, { id: 8 }]);
    expect(evaluateExpression("item.id * 10 + mapIndex", scope)).toBe(81);

    const parentScope = scopeFor(sim.state, sim.plan, p, sim.task("m"));
    expect(parentScope.item).toBeUndefined();
    expect(parentScope.mapIndex).toBeUndefined();
  });

  it("the parent's output is the instance outputs in index order, and downstream waits for every instance", () => {
    const sim = started(mapped({}), [0, 1, 2]);
    sim.claim();
    expect(sim.report("m[2]", { output: "two" }).dispatch).toEqual([]);
    expect(sim.report("m[0]", { output: "zero" }).dispatch).toEqual([]);
    expect(sim.status("after")).toBe("pending");
    expect(sim.status("m")).toBe("running");
    const fx = sim.report("m[1]", { output: "one" });
    expect(sim.status("m")).toBe("success");
    expect(sim.task("m").output).toEqual(["zero", "one", "two"]);
    expect(fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("maxActive 2: never more than 2 instances queued or running; the next starts as one finishes", () => {
    const sim = started(mapped({ maxActive: 2 }), [0, 1, 2, 3, 4, 5, 6]);
    expect(keys(sim.fx.dispatch)).toEqual(["m[0]", "m[1]"]);
    expect(sim.instances("m").filter((t) => t.status === "pending")).toHaveLength(5);

    let most = 0;
    const order: string[] = [];
    while (sim.status("m") === "running") {
      // Finish the newest active instance first, one per report, so the window slides unevenly.
      const ref = sim.outbox[sim.outbox.length - 1]!;
      sim.claim(ref.taskKey);
      most = Math.max(most, sim.active("m").length);
      const waitingBefore = sim.instances("m").filter((t) => t.status === "pending").length;
      const fx = sim.report(ref.taskKey, { output: ref.taskKey });
      order.push(ref.taskKey);
      most = Math.max(most, sim.active("m").length);
      // Exactly one instance takes the finished one's place while any is left to start.
      if (sim.status("m") === "running") expect(fx.dispatch).toHaveLength(waitingBefore > 0 ? 1 : 0);
    }
    expect(most).toBe(2);
    expect([...order].sort()).toEqual(["m[0]", "m[1]", "m[2]", "m[3]", "m[4]", "m[5]", "m[6]"]);
    // Instances start in index order.
    expect(sim.task("m").output).toEqual(["m[0]", "m[1]", "m[2]", "m[3]", "m[4]", "m[5]", "m[6]"]);
    expect(sim.status("m")).toBe("success");
    expect(sim.drain()).toEqual([["after"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("maxActive counts an instance waiting for its retry as active", () => {
    const sim = started(mapped({ maxActive: 2 }, { retries: ONE_RETRY }), [0, 1, 2]);
    sim.claim();
    const fx = sim.report("m[0]", { ok: false });
    expect(sim.status("m[0]")).toBe("up_for_retry");
    expect(fx.dispatch).toEqual([]);
    expect(sim.status("m[2]")).toBe("pending");
  });

  it("an instance failing after its retries fails the parent once all others ran; downstream is upstream_failed", () => {
    const sim = started(mapped({}, { retries: ONE_RETRY }), [0, 1, 2]);
    sim.claim();
    failAndRetry(sim, "m[1]");
    const fx = sim.report("m[1]", { ok: false, error: { message: "still broken" } });
    expect(sim.status("m[1]")).toBe("failed");
    expect(sim.task("m[1]").attempt).toBe(2);
    // The other instances keep going; the parent waits for them.
    expect(fx.finished).toBeUndefined();
    expect(sim.status("m")).toBe("running");
    expect(sim.status("after")).toBe("pending");
    expect(sim.report("m[0]", { output: 0 }).ignored).toEqual([]);
    sim.report("m[2]", { output: 2 });
    expect(sim.status("m[0]")).toBe("success");
    expect(sim.status("m[2]")).toBe("success");
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.message).toContain("1 of 3");
    expect(sim.status("after")).toBe("upstream_failed");
    expect(sim.state.run.status).toBe("failed");
  });

  it("an empty list skips the parent (and its all_success downstream); no instances", () => {
    const sim = started(mapped({}), []);
    expect(sim.status("m")).toBe("skipped");
    expect(sim.status("after")).toBe("skipped");
    expect(sim.instances("m")).toEqual([]);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.state.run.status).toBe("success");
  });

  it("a list longer than maxMapLength fails the parent with a message naming both numbers", () => {
    const sim = started(mapped({ maxMapLength: 3 }), [1, 2, 3, 4, 5]);
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.code).toBe("map");
    expect(sim.task("m").error?.message).toContain("5");
    expect(sim.task("m").error?.message).toContain("maxMapLength 3");
    expect(sim.instances("m")).toEqual([]);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.status("after")).toBe("upstream_failed");
    expect(sim.state.run.status).toBe("failed");
  });

  it("a list exactly maxMapLength long is accepted", () => {
    const sim = started(mapped({ maxMapLength: 3 }), [1, 2, 3]);
    expect(sim.instances("m")).toHaveLength(3);
  });

  it("the default bound is 10,000 items", () => {
    expect(DEFAULT_MAX_MAP_LENGTH).toBe(10_000);
    const sim = started(mapped({}), Array.from({ length: 10_001 }, (_, i) => i));
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.message).toContain("10001");
  });

  it("map.over yielding something other than a list fails the parent", () => {
    for (const [output, what] of [
      [{ a: 1 }, "object"],
      ["abc", "string"],
      [null, "null"],
    ] as const) {
      const sim = started(mapped({}), output);
      expect(sim.status("m")).toBe("failed");
      expect(sim.task("m").error?.code).toBe("map");
      expect(sim.task("m").error?.message).toContain("must yield a list");
      expect(sim.task("m").error?.message).toContain(what);
      expect(sim.status("after")).toBe("upstream_failed");
    }
  });

  it("map.over that fails to evaluate fails the parent with an expression error", () => {
    const sim = started(mapped({ over: "tasks.src.output.items" }), { rows: [] });
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.code).toBe("expression");
    expect(sim.task("m").error?.message).toMatch(/^map\.over: /);
  });

  it("a 1,000-wide map completes, each report changing a constant number of task rows", () => {
    const n = 1_000;
    const sim = started(mapped({ maxActive: 50 }), Array.from({ length: n }, (_, i) => i));
    expect(sim.fx.dispatch).toHaveLength(50);
    let reports = 0;
    let maxChanged = 0;
    let maxDispatch = 0;
    while (sim.outbox.length > 0) {
      const ref = sim.outbox[0]!;
      sim.claim(ref.taskKey);
      const fx = sim.report(ref.taskKey, { output: sim.task(ref.taskKey).mapIndex });
      reports += 1;
      if (sim.status("m") === "running") {
        maxChanged = Math.max(maxChanged, fx.changedTasks.size);
        maxDispatch = Math.max(maxDispatch, fx.dispatch.length);
        expect(fx.attempts.length).toBeLessThanOrEqual(2);
      }
      if (reports === n / 2) {
        // Mid-map: the instance, the parent, and the instance started in its place.
        expect(fx.changedTasks).toEqual(new Set([ref.taskKey, "m", `m[${n / 2 + 49}]`]));
      }
      expect(sim.active("m").length).toBeLessThanOrEqual(50);
    }
    expect(maxChanged).toBeLessThanOrEqual(3);
    expect(maxDispatch).toBe(1);
    expect(reports).toBe(n + 1); // every instance, then `after`
    expect(sim.status("m")).toBe("success");
    expect(sim.task("m").output).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(sim.status("after")).toBe("success");
    expect(sim.state.run.status).toBe("success");
  });

  it("a 1,000-wide map without maxActive dispatches every instance at once; each report changes two rows", () => {
    const n = 1_000;
    const sim = started(mapped({}), Array.from({ length: n }, (_, i) => i));
    expect(sim.fx.dispatch).toHaveLength(n);
    sim.claim();
    const mid = sim.report(`m[${n / 2}]`);
    expect(mid.changedTasks).toEqual(new Set([`m[${n / 2}]`, "m"]));
    expect(mid.dispatch).toEqual([]);
    for (let i = 0; i < n; i++) if (i !== n / 2) sim.report(`m[${i}]`);
    expect(sim.status("m")).toBe("success");
    expect(sim.fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
  });
});

// ---------------------------------------------------------------------------

describe("fallback value", () => {
  const spec = {
    a: { ...SQL, retries: ONE_RETRY, fallback: { value: { rows: [] } } },
    b: { ...SQL, dependsOn: ["a"] },
  };

  it("a task that exhausts its retries succeeds with the value; downstream continues and the run succeeds", () => {
    const sim = new Sim(spec);
    sim.claim();
    failAndRetry(sim, "a");
    // While a retry remains the fallback is not used.
    expect(sim.task("a").fallbackUsed).toBeUndefined();
    const fx = sim.report("a", { ok: false });
    expect(sim.status("a")).toBe("success");
    expect(sim.task("a").fallbackUsed).toBe(true);
    expect(sim.task("a").output).toEqual({ rows: [] });
    expect(sim.task("a").attempt).toBe(2);
    // History keeps the failed attempt as failed.
    expect(attemptsOf(fx.attempts, "a")).toEqual([[2, "failed"]]);
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("a null fallback value also stands in", () => {
    const sim = new Sim({ a: { ...SQL, fallback: { value: null } } });
    sim.claim();
    expect(sim.report("a", { ok: false }).finished).toBe("success");
    expect(sim.task("a").output).toBeNull();
    expect(sim.task("a").fallbackUsed).toBe(true);
  });
});

describe("fallback task", () => {
  const spec = {
    primary: { ...SQL, fallback: { task: "alt" } },
    alt: { ...FN, args: { from: "alt" } },
    down: { ...SQL, dependsOn: ["primary"] },
  };

  it("does not run on its own", () => {
    const sim = new Sim(spec);
    expect(sim.fx.dispatch).toEqual([{ taskKey: "primary", attempt: 1 }]);
    expect(sim.status("alt")).toBe("pending");
  });

  it("is dispatched when the primary fails for good; its success becomes the primary's", () => {
    const sim = new Sim(spec);
    sim.claim();
    const failed = sim.report("primary", { ok: false, error: { message: "db down" } });
    expect(failed.dispatch).toEqual([{ taskKey: "alt", attempt: 1 }]);
    expect(sim.status("primary")).not.toBe("failed");
    expect(sim.status("down")).toBe("pending");
    expect(failed.finished).toBeUndefined();

    sim.claim();
    const fx = sim.report("alt", { output: { from: "alt" } });
    expect(sim.status("primary")).toBe("success");
    expect(sim.task("primary").output).toEqual({ from: "alt" });
    expect(sim.task("primary").fallbackUsed).toBe(true);
    expect(fx.dispatch).toEqual([{ taskKey: "down", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("waits for the primary's retries first", () => {
    const sim = new Sim({ ...spec, primary: { ...spec.primary, retries: ONE_RETRY } });
    sim.claim();
    expect(sim.report("primary", { ok: false }).dispatch).toEqual([]);
    expect(sim.status("alt")).toBe("pending");
  });

  it("when it fails too, the primary fails and downstream is upstream_failed", () => {
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { ok: false });
    sim.claim();
    const fx = sim.report("alt", { ok: false, error: { message: "alt down" } });
    expect(sim.status("alt")).toBe("failed");
    expect(sim.status("primary")).toBe("failed");
    expect(sim.task("primary").error?.code).toBe("fallback_failed");
    expect(sim.task("primary").error?.message).toContain("alt");
    expect(sim.status("down")).toBe("upstream_failed");
    expect(fx.finished).toBe("failed");
  });

  it("ends skipped when the primary succeeds on its own, and the run finishes", () => {
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { output: 1 });
    expect(sim.status("alt")).toBe("skipped");
    expect(sim.task("alt").attempt).toBe(0);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("sees the primary's upstream outputs", () => {
    const sim = new Sim({ up: SQL, primary: { ...SQL, dependsOn: ["up"], fallback: { task: "alt" } }, alt: FN });
    sim.claim();
    sim.report("up", { output: { id: 3 } });
    const scope = scopeFor(sim.state, sim.plan, sim.plan.byId.get("alt")!);
    expect(scope.tasks.up?.output).toEqual({ id: 3 });
  });

  it("a duplicate report of the primary's failed attempt, while the fallback runs, is ignored", () => {
    // Queue deliveries are at least once: the same outcome can arrive twice.
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { ok: false });
    const dup = sim.report("primary", { ok: false, attempt: 1 });
    expect(dup.ignored).toEqual([expect.objectContaining({ taskKey: "primary", attempt: 1 })]);
    expect(sim.status("primary")).toBe("running");
    expect(sim.status("down")).toBe("pending");
    sim.claim("alt");
    sim.report("alt", { output: "saved" });
    expect(sim.status("primary")).toBe("success");
    expect(sim.status("down")).toBe("queued");
  });

  it("a redelivered queue message for the primary's failed attempt is refused, not run again", () => {
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { ok: false });
    const fx = sim.send({ type: "AttemptsClaimed", refs: [{ taskKey: "primary", attempt: 1 }] });
    expect(fx.granted).toEqual([]);
    expect(fx.refused).toEqual([expect.objectContaining({ taskKey: "primary", attempt: 1 })]);
    expect(sim.task("primary").deadline).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------

describe("failure alerts", () => {
  /** Every alert emitted from now on, across transitions. */
  function collect(sim: Sim): AlertRequest[] {
    const all: AlertRequest[] = [...sim.fx.alerts];
    const send = sim.send.bind(sim);
    sim.send = (event) => {
      const fx = send(event);
      all.push(...fx.alerts);
      return fx;
    };
    return all;
  }

  it("task onFailure: one task_failed alert when the task fails for good, none while retries remain", () => {
    const sim = new Sim({ a: { ...SQL, retries: ONE_RETRY, onFailure: HOOK }, b: { ...SQL, dependsOn: ["a"] } });
    const alerts = collect(sim);
    sim.claim();
    failAndRetry(sim, "a");
    expect(alerts).toEqual([]);
    sim.report("a", { ok: false, error: { message: "final", code: "http_status" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.target).toEqual(HOOK);
    expect(alerts[0]!.summary).toMatchObject({
      event: "task_failed",
      dagId: "dag",
      dagVersion: 1,
      runId: "run-1",
      taskId: "a",
      mapIndex: null,
      attempts: 2,
      lastError: { message: "final", code: "http_status" },
    });
    // No run-level target: the run failing alerts nobody.
    expect(sim.state.run.status).toBe("failed");
    expect(alerts).toHaveLength(1);
  });

  it("no alert when a fallback value saves the task", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK, fallback: { value: 0 } } }, {}, { dag: { onFailure: DAG_HOOK } });
    const alerts = collect(sim);
    sim.claim();
    sim.report("a", { ok: false });
    expect(sim.state.run.status).toBe("success");
    expect(alerts).toEqual([]);
  });

  it("no alert when a fallback task saves the task", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK, fallback: { task: "alt" } }, alt: FN });
    const alerts = collect(sim);
    sim.drain((id) => id === "a");
    expect(sim.status("a")).toBe("success");
    expect(alerts).toEqual([]);
  });

  it("the primary's alert when its fallback task fails too (one, for the primary)", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK, fallback: { task: "alt" } }, alt: FN });
    const alerts = collect(sim);
    sim.drain(() => true);
    expect(sim.status("a")).toBe("failed");
    expect(alerts.map((a) => [a.summary.event, a.summary.taskId])).toEqual([["task_failed", "a"]]);
  });

  it("DAG-level onFailure: task_failed for the failed task (not its upstream_failed downstream), then run_failed", () => {
    const sim = new Sim(
      { a: SQL, b: { ...SQL, dependsOn: ["a"] }, slow: SQL },
      {},
      { dag: { onFailure: DAG_HOOK } },
    );
    const alerts = collect(sim);
    sim.claim();
    sim.report("a", { ok: false, error: { message: "boom" } });
    expect(alerts.map((a) => a.summary.event)).toEqual(["task_failed"]);
    expect(alerts[0]!.target).toEqual(DAG_HOOK);
    expect(alerts[0]!.summary).toMatchObject({ taskId: "a", attempts: 1, lastError: { message: "boom" } });

    const fx = sim.report("slow");
    expect(fx.finished).toBe("failed");
    expect(alerts.map((a) => a.summary.event)).toEqual(["task_failed", "run_failed"]);
    expect(alerts[1]!.target).toEqual(DAG_HOOK);
    expect(alerts[1]!.summary).toMatchObject({ event: "run_failed", runId: "run-1", runStatus: "failed", taskId: "a" });
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(2);
  });

  it("a task's own onFailure target takes precedence over the DAG's", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK } }, {}, { dag: { onFailure: DAG_HOOK } });
    const alerts = collect(sim);
    sim.claim();
    sim.report("a", { ok: false });
    expect(alerts.map((a) => [a.summary.event, a.target.url])).toEqual([
      ["task_failed", HOOK.url],
      ["run_failed", DAG_HOOK.url],
    ]);
  });

  it("a task failed by its when expression alerts too", () => {
    const sim = new Sim({ a: { ...SQL, when: "params.missing" } }, {}, { dag: { onFailure: DAG_HOOK } });
    expect(sim.fx.alerts.map((a) => [a.summary.event, a.summary.taskId])).toEqual([
      ["task_failed", "a"],
      ["run_failed", "a"],
    ]);
  });

  it("a successful run sends no alert", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK }, b: { ...SQL, dependsOn: ["a"] } }, {}, { dag: { onFailure: DAG_HOOK } });
    const alerts = collect(sim);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    expect(alerts).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

describe("child DAG runs", () => {
  const spec = { child: { type: "dag", dagId: "kid" }, after: { ...SQL, dependsOn: ["child"] } };

  function waiting(extra: Record<string, unknown> = {}): Sim {
    const sim = new Sim({ ...spec, child: { ...spec.child, ...extra } });
    sim.claim();
    const fx = sim.report("child", { childRunId: "c1", waiting: true });
    expect(fx.dispatch).toEqual([]);
    return sim;
  }

  it("waiting: the task stays running with no lease, and a much later timer does not abandon it", () => {
    const sim = waiting();
    const t = sim.task("child");
    expect(t.status).toBe("running");
    expect(t.childRunId).toBe("c1");
    expect(t.waiting).toBe(true);
    expect(t.deadline).toBeUndefined();
    expect(nextWakeAt(sim.state)).toBeUndefined();

    sim.advance(24 * 3_600_000);
    const fx = sim.fire();
    expect(sim.status("child")).toBe("running");
    expect(fx.attempts).toEqual([]);
    expect(fx.dispatch).toEqual([]);
    expect(sim.task("child").lost).toBe(0);
  });

  it("a redelivered or duplicate report of the waiting attempt changes nothing", () => {
    const sim = waiting();
    expect(sim.report("child", { output: "late" }).ignored).toHaveLength(1);
    expect(sim.claim().granted).toEqual([]);
    const claimed = sim.send({ type: "AttemptsClaimed", refs: [{ taskKey: "child", attempt: 1 }] });
    expect(claimed.granted).toEqual([]);
    expect(sim.status("child")).toBe("running");
    expect(sim.task("child").deadline).toBeUndefined();
  });

  it("the child's success makes the task succeed and starts downstream", () => {
    const sim = waiting();
    sim.advance(60_000);
    const fx = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "success" } });
    expect(sim.status("child")).toBe("success");
    expect(sim.task("child").output).toEqual(expect.objectContaining({ runId: "c1", status: "success" }));
    expect(attemptsOf(fx.attempts, "child")).toEqual([[1, "success"]]);
    expect(fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
  });

  it("with the offer of the worker that ended the child, downstream comes back leased to that worker", () => {
    const sim = waiting();
    const fx = sim.send({
      type: "ChildRunFinished",
      child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "success" },
      offer: { capacity: 4, until: sim.ctx.now + 25_000 + 300_000 },
    });
    expect(fx.handBack).toEqual([{ taskKey: "after", attempt: 1 }]);
    expect(fx.dispatch).toEqual([]);
    expect(sim.status("after")).toBe("running");
    expect(sim.task("after").via).toBe("continuation");
  });

  it("a failed child fails the task, after its retries", () => {
    const sim = waiting({ retries: ONE_RETRY });
    sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "failed" } });
    expect(sim.status("child")).toBe("up_for_retry");
    sim.advance(1_000);
    expect(sim.fire().dispatch).toEqual([{ taskKey: "child", attempt: 2 }]);
    sim.claim();
    sim.report("child", { childRunId: "c2", waiting: true });
    const fx = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 2, childRunId: "c2", status: "failed" } });
    expect(sim.status("child")).toBe("failed");
    expect(sim.task("child").error?.code).toBe("child_run");
    expect(sim.task("child").error?.message).toContain("c2");
    expect(sim.status("after")).toBe("upstream_failed");
    expect(fx.finished).toBe("failed");
  });

  it("a cancelled child fails the task", () => {
    const sim = waiting();
    sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "cancelled" } });
    expect(sim.status("child")).toBe("failed");
  });

  it("the end of a different child run is ignored", () => {
    const sim = waiting();
    const fx = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "other", status: "success" } });
    expect(fx.ignored).toHaveLength(1);
    expect(sim.status("child")).toBe("running");
    expect(sim.task("child").waiting).toBe(true);
  });

  it("cancelling the run while the task waits asks to cancel the child", () => {
    const sim = waiting();
    const fx = sim.send({ type: "CancelRequested", reason: "user" });
    expect(fx.cancelChildren).toEqual(["c1"]);
    expect(sim.status("child")).toBe("cancelled");
    expect(fx.finished).toBe("cancelled");
  });

  it("wait: false (no waiting flag): the task succeeds once the child started", () => {
    const sim = new Sim({ ...spec, child: { ...spec.child, wait: false } });
    sim.claim();
    const fx = sim.report("child", { childRunId: "c1", output: { runId: "c1" } });
    expect(sim.status("child")).toBe("success");
    expect(fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
  });
});

// ---------------------------------------------------------------------------

describe("RetryRequested", () => {
  it("reruns failed and upstream_failed tasks with continuing attempt numbers; successful ones keep their outputs", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: SQL, d: { ...SQL, dependsOn: ["b", "c"] } });
    sim.claim();
    sim.report("c", { output: { n: 1 } });
    sim.report("a", { ok: false, error: { message: "boom" } });
    expect(sim.state.run.status).toBe("failed");
    expect(sim.statuses()).toEqual({ a: "failed", b: "upstream_failed", c: "success", d: "upstream_failed" });

    const fx = sim.send({ type: "RetryRequested" });
    expect(sim.state.run.status).toBe("running");
    expect(sim.state.run.endedAt).toBeUndefined();
    expect(fx.runChanged).toBe(true);
    expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
    expect(sim.statuses()).toEqual({ a: "queued", b: "pending", c: "success", d: "pending" });
    expect(sim.task("a").error).toBeUndefined();
    expect(sim.task("c").output).toEqual({ n: 1 });

    expect(sim.drain()).toEqual([["a"], ["b"], ["d"]]);
    expect(sim.task("a").attempt).toBe(2);
    expect(sim.task("b").attempt).toBe(1);
    expect(sim.task("c").attempt).toBe(1);
    expect(sim.state.run.status).toBe("success");
  });

  it("gives the rerun task its full retry budget again", () => {
    const sim = new Sim({ a: { ...SQL, retries: ONE_RETRY } });
    sim.claim();
    failAndRetry(sim, "a");
    sim.report("a", { ok: false });
    expect(sim.state.run.status).toBe("failed");
    sim.send({ type: "RetryRequested" });
    sim.claim();
    sim.report("a", { ok: false });
    expect(sim.status("a")).toBe("up_for_retry");
    expect(sim.task("a").attempt).toBe(3);
  });

  it("reruns a failed mapped task from its list", () => {
    const sim = new Sim({ src: SQL, m: { ...FN, dependsOn: ["src"], map: { over: "tasks.src.output" } } });
    sim.claim();
    sim.report("src", { output: [1, 2] });
    sim.claim();
    sim.report("m[0]");
    sim.report("m[1]", { ok: false });
    expect(sim.state.run.status).toBe("failed");
    const fx = sim.send({ type: "RetryRequested" });
    expect(keys(fx.dispatch)).toEqual(["m[0]", "m[1]"]);
    sim.drain();
    expect(sim.status("m")).toBe("success");
    expect(sim.state.run.status).toBe("success");
  });
});

describe("ClearRequested", () => {
  const chain = { a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] }, side: SQL };

  function finished(): Sim {
    const sim = new Sim(chain);
    sim.claim();
    sim.report("a", { output: "A" });
    sim.report("side", { output: "S" });
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    return sim;
  }

  it("downstream: true resets the task and everything downstream of it, successful ones included", () => {
    const sim = finished();
    const fx = sim.send({ type: "ClearRequested", taskIds: ["b"], downstream: true });
    expect(sim.state.run.status).toBe("running");
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 2 }]);
    expect(sim.statuses()).toEqual({ a: "success", b: "queued", c: "pending", side: "success" });
    expect(sim.task("a").output).toBe("A");
    expect(sim.task("c").output).toBeUndefined();

    expect(sim.drain()).toEqual([["b"], ["c"]]);
    expect(sim.task("c").attempt).toBe(2);
    expect(sim.task("a").attempt).toBe(1);
    expect(sim.task("side").attempt).toBe(1);
    expect(sim.state.run.status).toBe("success");
  });

  it("downstream: false resets only the named task", () => {
    const sim = finished();
    const fx = sim.send({ type: "ClearRequested", taskIds: ["b"], downstream: false });
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 2 }]);
    expect(sim.statuses()).toEqual({ a: "success", b: "queued", c: "success", side: "success" });
    expect(sim.drain()).toEqual([["b"]]);
    expect(sim.task("c").attempt).toBe(1);
    expect(sim.state.run.status).toBe("success");
  });

  it("clearing a running task records its active attempt as abandoned and starts a new one", () => {
    const sim = new Sim(chain);
    sim.claim();
    sim.report("a");
    sim.claim("b");
    expect(sim.status("b")).toBe("running");
    const fx = sim.send({ type: "ClearRequested", taskIds: ["b"], downstream: false });
    expect(attemptsOf(fx.attempts, "b")).toEqual([[1, "abandoned"]]);
    expect([sim.task("b").attempt, sim.status("b")]).toEqual([2, "queued"]);
    expect(fx.attempts.find((r) => r.taskKey === "b" && r.attempt === 1)?.error?.code).toBe("cleared");
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 2 }]);
    // The old worker's late report no longer counts.
    const late = sim.report("b", { attempt: 1 });
    expect(late.ignored).toEqual([{ taskKey: "b", attempt: 1, reason: "stale_attempt" }]);
    expect(sim.status("b")).toBe("queued");
  });

  it("clearing a task waiting for its child run cancels the child", () => {
    const sim = new Sim({ child: { type: "dag", dagId: "kid" } });
    sim.claim();
    sim.report("child", { childRunId: "c1", waiting: true });
    const fx = sim.send({ type: "ClearRequested", taskIds: ["child"], downstream: false });
    expect(fx.cancelChildren).toEqual(["c1"]);
    expect(fx.dispatch).toEqual([{ taskKey: "child", attempt: 2 }]);
  });

  it("clearing a task with a fallback task also resets the fallback task", () => {
    const sim = new Sim({ p: { ...SQL, fallback: { task: "alt" } }, alt: FN });
    sim.drain((id) => id === "p");
    expect(sim.task("p").fallbackUsed).toBe(true);
    sim.send({ type: "ClearRequested", taskIds: ["p"], downstream: false });
    expect(sim.status("alt")).toBe("pending");
    sim.drain();
    expect(sim.status("p")).toBe("success");
    expect(sim.task("p").fallbackUsed).toBeUndefined();
    expect(sim.status("alt")).toBe("skipped");
    expect(sim.state.run.status).toBe("success");
  });

  it("clearing only a fallback task does not leave the run running forever", () => {
    const sim = new Sim({ p: { ...SQL, fallback: { task: "alt" } }, alt: FN });
    sim.drain();
    expect(sim.status("alt")).toBe("skipped");
    sim.send({ type: "ClearRequested", taskIds: ["alt"], downstream: false });
    sim.drain();
    expect(isFinishedRun(sim.state.run.status)).toBe(true);
  });

  it("clearing an empty (control) task reruns it inline", () => {
    const sim = new Sim({ a: SQL, gate: { ...EMPTY, dependsOn: ["a"] } });
    sim.drain();
    const fx = sim.send({ type: "ClearRequested", taskIds: ["gate"], downstream: false });
    expect(sim.task("gate").attempt).toBe(2);
    expect(fx.finished).toBe("success");
  });
});
