import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/dag/canonical";
import { compileDag } from "../../../src/dag/plan";
import { findCycle, findDuplicateTaskIds, validateDagSpec } from "../../../src/dag/validate";
import type { SpecIssue } from "../../../src/lib/issues";

const SQL = { type: "sql", sql: "select 1" } as const;

function issuesOf(input: unknown, raw?: string): SpecIssue[] {
  const result = validateDagSpec(input, raw);
  if (result.ok) throw new Error(`expected the spec to be rejected: ${JSON.stringify(input)}`);
  return result.issues;
}

function paths(issues: SpecIssue[]): string[] {
  return issues.map((i) => i.path);
}

/** A chain t0 → t1 → … → t(n-1), declared last task first so a depth-first search must go n deep. */
function chain(n: number): Record<string, unknown> {
  const tasks: Record<string, unknown> = {};
  for (let i = n - 1; i >= 0; i--) tasks[`t${i}`] = i === 0 ? { ...SQL } : { ...SQL, dependsOn: [`t${i - 1}`] };
  return tasks;
}

describe("validateDagSpec: dependencies", () => {
  it("rejects an unknown dependency at its exact path and names the unknown task", () => {
    const issues = issuesOf({ tasks: { extract: SQL, load: { ...SQL, dependsOn: ["extrct"] } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("tasks.load.dependsOn[0]");
    expect(issues[0]!.message).toContain("extrct");
  });

  it("locates an unknown dependency by its index in dependsOn", () => {
    const issues = issuesOf({ tasks: { a: SQL, b: SQL, c: { ...SQL, dependsOn: ["a", "b", "nope"] } } });
    expect(paths(issues)).toEqual(["tasks.c.dependsOn[2]"]);
    expect(issues[0]!.message).toContain("nope");
  });

  it("does not treat Object.prototype member names as existing tasks", () => {
    // `toString` is a valid id but no task has it: it must be reported, not accepted (compileDag would then throw).
    for (const name of ["toString", "constructor", "hasOwnProperty", "valueOf"]) {
      const result = validateDagSpec({ tasks: { a: { ...SQL, dependsOn: [name] } } });
      expect(result.ok, `dependsOn ['${name}']`).toBe(false);
      if (!result.ok) expect(result.issues[0]!.path).toBe("tasks.a.dependsOn[0]");
    }
  });

  it("rejects a task that depends on itself", () => {
    const issues = issuesOf({ tasks: { a: { ...SQL, dependsOn: ["a"] } } });
    expect(paths(issues)).toEqual(["tasks.a.dependsOn[0]"]);
    expect(issues[0]!.message).toContain("itself");
  });

  it("rejects a dependency listed twice, at the second occurrence", () => {
    const issues = issuesOf({ tasks: { a: SQL, b: { ...SQL, dependsOn: ["a", "a"] } } });
    expect(paths(issues)).toEqual(["tasks.b.dependsOn[1]"]);
    expect(issues[0]!.message).toContain("'a'");
    expect(issues[0]!.message).toContain("twice");
  });

  it("reports every dependency problem at once", () => {
    const issues = issuesOf({
      tasks: { a: { ...SQL, dependsOn: ["a"] }, b: { ...SQL, dependsOn: ["ghost"] }, c: { ...SQL, dependsOn: ["b", "b"] } },
    });
    expect(paths(issues).sort()).toEqual(["tasks.a.dependsOn[0]", "tasks.b.dependsOn[0]", "tasks.c.dependsOn[1]"]);
  });

  it("rejects a dependency id that does not match the id pattern", () => {
    const issues = issuesOf({ tasks: { a: { ...SQL, dependsOn: ["not an id"] } } });
    expect(paths(issues)).toEqual(["tasks.a.dependsOn[0]"]);
  });
});

describe("validateDagSpec: duplicate task ids in the raw JSON", () => {
  const raw = '{"tasks":{"x":{"type":"sql","sql":"select 1"},"y":{"type":"empty"},"x":{"type":"empty"}}}';

  it("findDuplicateTaskIds reports each repeated task id as tasks.<id>", () => {
    expect(findDuplicateTaskIds(raw)).toEqual([{ path: "tasks.x", message: expect.stringContaining("'x'") }]);
  });

  it("validateDagSpec rejects the spec when given the raw text, although JSON.parse kept one task", () => {
    const issues = issuesOf(JSON.parse(raw), raw);
    expect(paths(issues)).toContain("tasks.x");
  });

  it("reports a duplicate alongside schema errors", () => {
    const bad = '{"tasks":{"x":{"type":"empty"},"x":{"type":"bogus"}}}';
    const issues = issuesOf(JSON.parse(bad), bad);
    expect(paths(issues)).toContain("tasks.x");
    expect(paths(issues)).toContain("tasks.x.type");
  });

  it("ignores repeated keys that are not task ids", () => {
    // Same key names inside a task (headers) and outside `tasks` are not duplicate tasks.
    const text = JSON.stringify({
      description: "d",
      tasks: {
        a: { type: "http", request: { url: "https://example.com/", headers: { a: "1", b: "2" } } },
        b: { type: "empty", dependsOn: ["a"] },
      },
    });
    expect(findDuplicateTaskIds(text)).toEqual([]);
    expect(validateDagSpec(JSON.parse(text), text).ok).toBe(true);
  });

  it("does not flag duplicate keys nested inside one task", () => {
    const text = '{"tasks":{"a":{"type":"empty","description":"one","description":"two"}}}';
    expect(findDuplicateTaskIds(text)).toEqual([]);
  });
});

describe("validateDagSpec: shape", () => {
  it("rejects an unknown task type under tasks.<id>", () => {
    const issues = issuesOf({ tasks: { x: { type: "shell", command: "ls" } } });
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.path.startsWith("tasks.x")).toBe(true);
  });

  it("rejects a task id that does not match the id pattern, at tasks.<id>", () => {
    for (const id of ["bad id", "-leading-dash", "a/b", "x".repeat(129)]) {
      const issues = issuesOf({ tasks: { [id]: SQL } });
      expect(paths(issues), id).toContain(`tasks.${id}`);
    }
  });

  it("accepts ids at the edge of the pattern", () => {
    const ok = validateDagSpec({ tasks: { ["x".repeat(128)]: SQL, _a: SQL, "a.b-c_d": SQL, "9": SQL } });
    expect(ok.ok).toBe(true);
  });

  it("does not silently drop a task whose id is __proto__", () => {
    // JSON.parse keeps "__proto__" as an own key; the validated spec must keep it or reject it, never lose it.
    const raw = '{"tasks":{"__proto__":{"type":"sql","sql":"select 1"},"b":{"type":"empty"}}}';
    const result = validateDagSpec(JSON.parse(raw), raw);
    const dropped = result.ok && !Object.keys(result.spec.tasks).includes("__proto__");
    expect(dropped).toBe(false);
  });

  it("requires request.url on an http task", () => {
    expect(paths(issuesOf({ tasks: { x: { type: "http", request: { method: "GET" } } } }))).toEqual(["tasks.x.request.url"]);
    expect(paths(issuesOf({ tasks: { x: { type: "http" } } }))).toEqual(["tasks.x.request"]);
  });

  it("requires an http(s) URL", () => {
    const issues = issuesOf({ tasks: { x: { type: "http", request: { url: "ftp://example.com/f" } } } });
    expect(paths(issues)).toEqual(["tasks.x.request.url"]);
  });

  it("requires sql on a sql task, and no empty statements", () => {
    expect(paths(issuesOf({ tasks: { x: { type: "sql" } } }))).toEqual(["tasks.x.sql"]);
    expect(paths(issuesOf({ tasks: { x: { type: "sql", sql: [] } } }))).toEqual(["tasks.x.sql"]);
  });

  it("rejects unknown keys at every level (strict)", () => {
    const top = issuesOf({ tasks: { x: SQL }, owner: "me" });
    expect(paths(top)).toEqual([""]);
    expect(top[0]!.message).toContain("owner");

    const task = issuesOf({ tasks: { x: { ...SQL, retry: { limit: 1 } } } });
    expect(paths(task)).toEqual(["tasks.x"]);
    expect(task[0]!.message).toContain("retry");

    expect(paths(issuesOf({ tasks: { x: { ...SQL, retries: { limit: 1, factor: 2 } } } }))).toEqual(["tasks.x.retries"]);
    expect(
      paths(issuesOf({ tasks: { x: { type: "http", request: { url: "https://example.com/", timeout: 1 } } } })),
    ).toEqual(["tasks.x.request"]);
  });

  it("rejects a DAG with no tasks", () => {
    expect(paths(issuesOf({ tasks: {} }))).toEqual(["tasks"]);
    expect(paths(issuesOf({}))).toEqual(["tasks"]);
  });

  it("rejects out-of-range task options at their path", () => {
    expect(paths(issuesOf({ tasks: { x: { ...SQL, timeoutSeconds: 0 } } }))).toEqual(["tasks.x.timeoutSeconds"]);
    expect(paths(issuesOf({ tasks: { x: { ...SQL, timeoutSeconds: 901 } } }))).toEqual(["tasks.x.timeoutSeconds"]);
    expect(paths(issuesOf({ tasks: { x: { ...SQL, retries: { limit: -1 } } } }))).toEqual(["tasks.x.retries.limit"]);
    expect(paths(issuesOf({ tasks: { x: { ...SQL, retries: { limit: 1.5 } } } }))).toEqual(["tasks.x.retries.limit"]);
    expect(paths(issuesOf({ tasks: { x: { ...SQL, triggerRule: "always" } } }))).toEqual(["tasks.x.triggerRule"]);
  });
});

describe("validateDagSpec: cycles", () => {
  it("names a three-task cycle in flow order (upstream → downstream)", () => {
    // Flow a → b → c → a: b runs after a, c after b, a after c.
    const issues = issuesOf({
      tasks: { a: { ...SQL, dependsOn: ["c"] }, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] } },
    });
    expect(issues).toHaveLength(1);
    const { path, message } = issues[0]!;
    const m = /^cycle: (.+)$/.exec(message);
    expect(m).not.toBeNull();
    const ids = m![1]!.split(" → ");
    expect(ids).toHaveLength(4);
    expect(ids[0]).toBe(ids[3]);
    expect(new Set(ids)).toEqual(new Set(["a", "b", "c"]));
    // Each id is followed by the task that depends on it.
    const flow: Record<string, string> = { a: "b", b: "c", c: "a" };
    for (let i = 0; i < 3; i++) expect(ids[i + 1]).toBe(flow[ids[i]!]);
    expect(path).toBe(`tasks.${ids[0]}.dependsOn`);
  });

  it("names a two-task cycle", () => {
    const issues = issuesOf({ tasks: { a: { ...SQL, dependsOn: ["b"] }, b: { ...SQL, dependsOn: ["a"] } } });
    expect(issues).toHaveLength(1);
    expect(["cycle: a → b → a", "cycle: b → a → b"]).toContain(issues[0]!.message);
  });

  it("names only the tasks on the cycle, not a task that merely leads into it", () => {
    const issues = issuesOf({
      tasks: {
        entry: { ...SQL, dependsOn: ["a"] },
        a: { ...SQL, dependsOn: ["c"] },
        b: { ...SQL, dependsOn: ["a"] },
        c: { ...SQL, dependsOn: ["b"] },
      },
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).not.toContain("entry");
    expect(issues[0]!.message.split(" → ")).toHaveLength(4);
  });

  it("validates a 10,000-task chain without a stack overflow, and compiles it", () => {
    const result = validateDagSpec({ tasks: chain(10_000) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const plan = compileDag(result.spec);
    expect(plan.tasks.map((t) => t.id).slice(0, 3)).toEqual(["t0", "t1", "t2"]);
    expect(plan.tasks[9_999]!.id).toBe("t9999");
  });

  it("finds a cycle closing a 10,000-task chain", () => {
    const tasks = chain(10_000);
    tasks["t0"] = { ...SQL, dependsOn: ["t9999"] };
    const issues = issuesOf({ tasks });
    expect(issues).toHaveLength(1);
    const ids = issues[0]!.message.replace(/^cycle: /, "").split(" → ");
    expect(ids).toHaveLength(10_001);
    expect(ids[0]).toBe(ids[10_000]);
  });
});

describe("findCycle", () => {
  it("returns undefined for an acyclic graph", () => {
    const deps = new Map<string, string[]>([
      ["a", []],
      ["b", ["a"]],
      ["c", ["a", "b"]],
    ]);
    expect(findCycle(deps)).toBeUndefined();
  });

  it("returns the cycle along dependency edges, starting and ending with the same id", () => {
    const deps = new Map<string, string[]>([
      ["x", ["a"]],
      ["a", ["b"]],
      ["b", ["a"]],
    ]);
    const cycle = findCycle(deps)!;
    expect(cycle).toEqual(["a", "b", "a"]);
  });
});

describe("validateDagSpec: valid specs", () => {
  const full = {
    description: "nightly orders",
    tags: ["etl", "orders"],
    tasks: {
      fetch: {
        type: "http",
        description: "pull the orders",
        request: { method: "POST", url: "https://api.example.com/orders", headers: { accept: "application/json" }, body: { since: "yesterday", n: [1, 2] } },
        retries: { limit: 3, delaySeconds: 1.5, backoff: "linear", maxDelaySeconds: 60, jitter: false },
        timeoutSeconds: 30,
        datasets: { outputs: ["r2://BUCKET/orders.json"] },
      },
      load: { type: "sql", sql: ["delete from orders", "insert into orders select 1"], dependsOn: ["fetch"], datasets: { inputs: ["r2://BUCKET/orders.json"], outputs: ["d1://DB/orders"] } },
      done: { type: "empty", dependsOn: ["load", "fetch"], triggerRule: "all_done" },
    },
  };

  it("returns exactly the input spec, with no defaults added", () => {
    const result = validateDagSpec(structuredClone(full), JSON.stringify(full));
    expect(result).toStrictEqual({ ok: true, spec: full });
  });

  it("accepts every trigger rule", () => {
    for (const rule of ["all_success", "all_done", "all_failed", "one_success", "one_failed", "none_failed", "none_failed_min_one_success", "none_skipped"]) {
      expect(validateDagSpec({ tasks: { a: SQL, b: { ...SQL, dependsOn: ["a"], triggerRule: rule } } }).ok, rule).toBe(true);
    }
  });
});

describe("canonicalJson", () => {
  it("makes key order and formatting irrelevant", () => {
    const a = { tasks: { x: { type: "sql", sql: "select 1", dependsOn: ["y"] }, y: { type: "empty" } }, description: "d" };
    const b = JSON.parse('{ "description": "d",\n  "tasks": { "y": {"type":"empty"}, "x": {"dependsOn":["y"], "sql":"select 1", "type":"sql"} } }');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"description":"d","tasks":{"x":{"dependsOn":["y"],"sql":"select 1","type":"sql"},"y":{"type":"empty"}}}');
  });

  it("keeps array order (it is meaningful) and distinguishes different values", () => {
    expect(canonicalJson({ sql: ["a", "b"] })).not.toBe(canonicalJson({ sql: ["b", "a"] }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
  });

  it("drops undefined properties like JSON does and round-trips through JSON.parse", () => {
    expect(canonicalJson({ a: undefined, b: null, c: [1, { e: 2, d: 3 }] })).toBe('{"b":null,"c":[1,{"d":3,"e":2}]}');
    const spec = { tasks: { b: { type: "empty" }, a: { type: "sql", sql: "x" } } };
    expect(JSON.parse(canonicalJson(spec))).toEqual(spec);
  });

  it("keeps a __proto__ key of user data (e.g. an http body)", () => {
    const value = JSON.parse('{"body":{"__proto__":{"admin":true},"z":1}}');
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
    expect(canonicalJson(value)).toBe('{"body":{"__proto__":{"admin":true},"z":1}}');
  });
});
