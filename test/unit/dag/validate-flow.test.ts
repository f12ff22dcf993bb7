import { describe, expect, it } from "vitest";
import { compileDag } from "../../../src/dag/plan";
import { validateDagSpec } from "../../../src/dag/validate";
import type { SpecIssue } from "../../../src/lib/issues";

/**
 * Registration-time checks of the flow-control features: expressions and
 * templates must compile, templates read only upstream tasks, functions must
 * exist, fallback tasks must be wired so they can stand in, params must be
 * declared consistently. Each problem is reported at the path a user fixes.
 */

const SQL = { type: "sql", sql: "select 1" } as const;
const FN = { type: "function", function: "echo" } as const;

function issuesOf(spec: unknown): SpecIssue[] {
  const result = validateDagSpec(spec);
  if (result.ok) throw new Error(`expected the spec to be rejected: ${JSON.stringify(spec)}`);
  return result.issues;
}

function paths(issues: SpecIssue[]): string[] {
  return issues.map((i) => i.path);
}

/** The one issue of a spec (fails if there are more or none). */
function onlyIssue(spec: unknown): SpecIssue {
  const issues = issuesOf(spec);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  return issues[0]!;
}

describe("a spec using every flow feature correctly", () => {
  it("is accepted and compiles", () => {
    const spec = {
      params: {
        data_volume: { type: "integer", minimum: 0, default: 0 },
        region: { type: "string", enum: ["eu", "us"], default: "eu" },
      },
      onFailure: { url: "https://hooks.example.com/dag" },
      tasks: {
        list: { ...FN, args: { region: "{{ params.region }}" } },
        pick: { type: "branch", expression: "params.data_volume > 1000000 ? 'heavy' : 'light'", dependsOn: ["list"] },
        heavy: {
          type: "function",
          function: "echo",
          dependsOn: ["pick", "list"],
          map: { over: "tasks.list.output", maxActive: 2, maxMapLength: 100 },
          args: { item: "{{ item }}", i: "{{ mapIndex }}" },
          fallback: { value: [] },
        },
        light: {
          type: "sql",
          sql: "select * from t where region = {{ params.region }} and n > {{ size(tasks.list.output) }}",
          dependsOn: ["pick", "list"],
          when: "size(tasks.list.output) > 0",
          fallback: { task: "light_alt" },
          onFailure: { url: "https://hooks.example.com/light" },
        },
        // A fallback task may read its primary's upstream.
        light_alt: { type: "http", request: { url: "https://api.example.com/{{ tasks.list.output[0] }}" } },
        join: { type: "empty", dependsOn: ["heavy", "light"], triggerRule: "none_failed_min_one_success" },
        child: { type: "dag", dagId: "kid", params: { n: "{{ tasks.join.output }}" }, dependsOn: ["join"] },
      },
    };
    const result = validateDagSpec(spec);
    expect(result.ok ? [] : result.issues).toEqual([]);
    if (!result.ok) return;
    const plan = compileDag(result.spec);
    expect(plan.byId.get("light")?.fallbackTask).toBe(plan.byId.get("light_alt")?.index);
    expect(plan.roots.map((i) => plan.tasks[i]!.id)).toEqual(["list"]);
  });
});

describe("expression syntax", () => {
  it("a when that does not compile is reported at tasks.<id>.when with the column", () => {
    const issue = onlyIssue({ tasks: { x: { ...SQL, when: "params.a >" } } });
    expect(issue.path).toBe("tasks.x.when");
    expect(issue.message).toContain("params.a >");
    expect(issue.message).toMatch(/column \d+/);
  });

  it("an unknown variable (a typo of params) is caught at registration, not mid-run", () => {
    const issue = onlyIssue({ tasks: { x: { ...SQL, when: "param.a == 1" } } });
    expect(issue.path).toBe("tasks.x.when");
    expect(issue.message).toContain("unknown variable 'param'");
  });

  it("a map.over that does not compile is reported at tasks.<id>.map.over", () => {
    const issue = onlyIssue({ tasks: { x: { ...SQL, map: { over: "[1, 2" } } } });
    expect(issue.path).toBe("tasks.x.map.over");
  });

  it("a branch expression that does not compile is reported at tasks.<id>.expression", () => {
    const issue = onlyIssue({ tasks: { x: { type: "branch", expression: "'a' +" } } });
    expect(issue.path).toBe("tasks.x.expression");
  });

  it("several bad expressions of one task are all reported", () => {
    const issues = issuesOf({ tasks: { x: { ...SQL, when: "(", map: { over: ")" } } } });
    expect(paths(issues).sort()).toEqual(["tasks.x.map.over", "tasks.x.when"]);
  });

  it("an empty when is rejected", () => {
    expect(paths(issuesOf({ tasks: { x: { ...SQL, when: "" } } }))).toEqual(["tasks.x.when"]);
  });
});

describe("template syntax", () => {
  it("a bad template in an http url is reported at tasks.<id>.request.url", () => {
    const issue = onlyIssue({ tasks: { x: { type: "http", request: { url: "https://api.example.com/items/{{ params.id + }}" } } } });
    expect(issue.path).toBe("tasks.x.request.url");
    expect(issue.message).toContain("params.id +");
  });

  it("bad templates in headers and nested body values are reported at their exact paths", () => {
    const issues = issuesOf({
      tasks: {
        x: {
          type: "http",
          request: { url: "https://api.example.com/items", headers: { auth: "{{ oops( }}" }, body: { list: ["ok", "{{ 1 + }}"] } },
        },
      },
    });
    expect(paths(issues)).toEqual(["tasks.x.request.headers.auth", "tasks.x.request.body.list[1]"]);
  });

  it("an unclosed {{ is reported", () => {
    const issue = onlyIssue({ tasks: { x: { ...FN, args: { a: "value {{ params.a" } } } });
    expect(issue.path).toBe("tasks.x.args.a");
    expect(issue.message).toContain("}}");
  });

  it("bad templates in function args and child dag params are reported there", () => {
    expect(paths(issuesOf({ tasks: { x: { ...FN, args: ["{{ ) }}"] } } }))).toEqual(["tasks.x.args[0]"]);
    expect(paths(issuesOf({ tasks: { x: { type: "dag", dagId: "kid", params: { n: "{{ ( }}" } } } }))).toEqual(["tasks.x.params.n"]);
  });

  it("a sql template inside quotes is rejected at tasks.<id>.sql", () => {
    const issue = onlyIssue({ tasks: { x: { type: "sql", sql: "select * from t where name = '{{ params.name }}'" } } });
    expect(issue.path).toBe("tasks.x.sql");
    expect(issue.message).toContain("remove the quotes");
  });

  it("in a list of statements, at tasks.<id>.sql[i]", () => {
    const issue = onlyIssue({ tasks: { x: { type: "sql", sql: ["select 1", "delete from t where n = '{{ params.n }}'"] } } });
    expect(issue.path).toBe("tasks.x.sql[1]");
  });

  it("a sql template as a bare value is accepted", () => {
    expect(validateDagSpec({ tasks: { x: { type: "sql", sql: "select * from t where name = {{ params.name }}" } } }).ok).toBe(true);
  });

  it("a sql template naming a column (quoted identifier) is rejected", () => {
    const issue = onlyIssue({ tasks: { x: { type: "sql", sql: 'select "{{ params.col }}" from t' } } });
    expect(issue.path).toBe("tasks.x.sql");
  });
});

describe("templates and expressions read only upstream tasks", () => {
  it("a template in an http url reading a task that is not upstream is reported, naming it", () => {
    const issue = onlyIssue({
      tasks: { y: SQL, x: { type: "http", request: { url: "https://api.example.com/items/{{ tasks.y.output.id }}" } } },
    });
    expect(issue.path).toBe("tasks.x.request.url");
    expect(issue.message).toContain("tasks.y");
    expect(issue.message).toContain("dependsOn");
  });

  it("the same template is accepted once y is upstream", () => {
    const spec = {
      tasks: {
        y: SQL,
        x: { type: "http", dependsOn: ["y"], request: { url: "https://api.example.com/items/{{ tasks.y.output.id }}" } },
      },
    };
    expect(validateDagSpec(spec).ok).toBe(true);
  });

  it("an indirect upstream (upstream of an upstream) is not readable", () => {
    const issue = onlyIssue({
      tasks: { a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...FN, dependsOn: ["b"], args: "{{ tasks.a.output }}" } },
    });
    expect(issue.path).toBe("tasks.c.args");
    expect(issue.message).toContain("tasks.a");
  });

  it("when, map.over, branch expressions and sql templates are checked the same way", () => {
    const issues = issuesOf({
      tasks: {
        y: SQL,
        w: { ...SQL, when: "tasks.y.output.ok" },
        m: { ...FN, map: { over: "tasks.y.output" } },
        b: { type: "branch", expression: "tasks['y'].output.next" },
        s: { type: "sql", sql: "select {{ tasks.y.output.n }}" },
      },
    });
    expect(paths(issues).sort()).toEqual(["tasks.b.expression", "tasks.m.map.over", "tasks.s.sql", "tasks.w.when"]);
    expect(issues.every((i) => i.message.includes("tasks.y"))).toBe(true);
  });

  it("a task reading a task that does not exist at all is reported", () => {
    const issue = onlyIssue({ tasks: { x: { ...SQL, when: "tasks.ghost.output == 1" } } });
    expect(issue.path).toBe("tasks.x.when");
    expect(issue.message).toContain("ghost");
  });
});

describe("function tasks", () => {
  it("an unknown function name is reported at tasks.<id>.function, listing the registered ones", () => {
    const issue = onlyIssue({ tasks: { x: { type: "function", function: "nope" } } });
    expect(issue.path).toBe("tasks.x.function");
    expect(issue.message).toContain("'nope'");
    expect(issue.message).toContain("echo");
  });

  it("a registered function is accepted", () => {
    expect(validateDagSpec({ tasks: { x: { type: "function", function: "noop" } } }).ok).toBe(true);
  });
});

describe("fallback tasks", () => {
  const at = "tasks.p.fallback.task";

  it("an unknown fallback task", () => {
    const issue = onlyIssue({ tasks: { p: { ...SQL, fallback: { task: "ghost" } } } });
    expect(issue.path).toBe(at);
    expect(issue.message).toContain("unknown task 'ghost'");
  });

  it("a prototype member name is an unknown task, not an existing one", () => {
    expect(onlyIssue({ tasks: { p: { ...SQL, fallback: { task: "toString" } } } }).path).toBe(at);
  });

  it("a task as its own fallback", () => {
    const issue = onlyIssue({ tasks: { p: { ...SQL, fallback: { task: "p" } } } });
    expect(issue.path).toBe(at);
    expect(issue.message).toContain("own fallback");
  });

  it("a fallback task with dependsOn", () => {
    const issue = onlyIssue({ tasks: { z: SQL, p: { ...SQL, fallback: { task: "alt" } }, alt: { ...SQL, dependsOn: ["z"] } } });
    expect(issue.path).toBe(at);
    expect(issue.message).toContain("dependsOn");
  });

  it("a fallback task that is an upstream of other tasks", () => {
    const issue = onlyIssue({ tasks: { p: { ...SQL, fallback: { task: "alt" } }, alt: SQL, d: { ...SQL, dependsOn: ["alt"] } } });
    expect(issue.path).toBe(at);
    expect(issue.message).toContain("upstream");
    expect(issue.message).toContain("'p'");
  });

  it("a fallback task used by two tasks, reported at the second and naming the first", () => {
    const issue = onlyIssue({ tasks: { p1: { ...SQL, fallback: { task: "alt" } }, p2: { ...SQL, fallback: { task: "alt" } }, alt: SQL } });
    expect(issue.path).toBe("tasks.p2.fallback.task");
    expect(issue.message).toContain("'p1'");
  });

  it("a mapped primary or a mapped fallback task", () => {
    const mappedPrimary = onlyIssue({ tasks: { p: { ...FN, map: { over: "[1, 2]" }, fallback: { task: "alt" } }, alt: SQL } });
    expect(mappedPrimary.path).toBe(at);
    expect(mappedPrimary.message).toContain("mapped");
    const mappedAlt = onlyIssue({ tasks: { p: { ...SQL, fallback: { task: "alt" } }, alt: { ...FN, map: { over: "[1]" } } } });
    expect(mappedAlt.path).toBe(at);
    expect(mappedAlt.message).toContain("mapped");
  });

  it("a mapped task may have a fallback value", () => {
    expect(validateDagSpec({ tasks: { p: { ...FN, map: { over: "[1, 2]" }, fallback: { value: null } } } }).ok).toBe(true);
  });

  it("a fallback task reads its primary's upstream, not others", () => {
    const ok = {
      tasks: { up: SQL, p: { ...SQL, dependsOn: ["up"], fallback: { task: "alt" } }, alt: { ...FN, args: "{{ tasks.up.output }}" } },
    };
    expect(validateDagSpec(ok).ok).toBe(true);
    const other = { tasks: { ...ok.tasks, other: SQL, alt: { ...FN, args: "{{ tasks.other.output }}" } } };
    const issue = onlyIssue(other);
    expect(issue.path).toBe("tasks.alt.args");
    expect(issue.message).toContain("tasks.other");
  });

  it("a fallback that is neither a value nor a task is a shape error", () => {
    expect(paths(issuesOf({ tasks: { p: { ...SQL, fallback: { other: 1 } } } }))[0]).toMatch(/^tasks\.p\.fallback/);
  });
});

describe("params declarations", () => {
  it("are reported under params.<name>", () => {
    const issues = issuesOf({
      params: {
        n: { type: "string", minimum: 1 },
        m: { type: "integer", default: "x" },
        r: { type: "number", minimum: 5, maximum: 1 },
        p: { type: "string", pattern: "(" },
        e: { type: "string", enum: ["a", "bb"], pattern: "^a$" },
      },
      tasks: { x: SQL },
    });
    expect(paths(issues)).toEqual(["params.n.minimum", "params.m.default", "params.r.minimum", "params.p.pattern", "params.e.enum[1]"]);
  });

  it("a param name that is not an identifier", () => {
    const issues = issuesOf({ params: { "1st": { type: "string" } }, tasks: { x: SQL } });
    expect(paths(issues)[0]).toMatch(/^params/);
  });

  it("a param problem and a task problem are both reported", () => {
    const issues = issuesOf({ params: { n: { type: "boolean", maximum: 1 } }, tasks: { x: { ...SQL, when: "(" } } });
    expect(paths(issues).sort()).toEqual(["params.n.maximum", "tasks.x.when"]);
  });
});
