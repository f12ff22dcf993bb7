import { describe, expect, it } from "vitest";
import type { ExpressionScope } from "../../../src/expr/expression";
import {
  referencedTasks,
  renderSqlTemplate,
  renderTemplate,
  sqlTemplateIssues,
  templateIssues,
  usesTemplates,
} from "../../../src/expr/template";
import { errorOf } from "./expect-error";

const scope: ExpressionScope = {
  params: { region: "eu", limit: 100, ratio: 0.5, enabled: true, filters: { a: 1 }, note: "it's" },
  runId: "run-1",
  logicalDate: null,
  tasks: { extract: { output: { items: [1, 2], meta: { n: 2 } } } },
};


describe("renderTemplate: a whole-string template keeps the value's type", () => {
  it.each<[string, unknown]>([
    ["{{ params.limit }}", 100],
    ["{{ params.ratio }}", 0.5],
    ["{{ params.enabled }}", true],
    ["{{ tasks.extract.output.items }}", [1, 2]],
    ["{{ tasks.extract.output.meta }}", { n: 2 }],
    ["{{ logicalDate }}", null],
    ["  {{ params.region }}\n", "eu"],
    ["{{params.limit}}", 100],
  ])("%j → %j", (template, expected) => {
    expect(renderTemplate(template, scope)).toEqual(expected);
  });
});

describe("renderTemplate: templates inside longer strings become text", () => {
  it("strings as-is, numbers and booleans as JSON, null as empty, structures as JSON", () => {
    expect(renderTemplate("https://api/{{ params.region }}/items?limit={{ params.limit }}", scope)).toBe(
      "https://api/eu/items?limit=100",
    );
    expect(renderTemplate("on={{ params.enabled }} r={{ params.ratio }}", scope)).toBe("on=true r=0.5");
    expect(renderTemplate("date={{ logicalDate }}", scope)).toBe("date=");
    expect(renderTemplate("items={{ tasks.extract.output.items }} f={{ params.filters }}", scope)).toBe(
      'items=[1,2] f={"a":1}',
    );
  });

  it("two templates with nothing between them are text, not one typed value", () => {
    expect(renderTemplate("{{ params.limit }}{{ params.limit }}", scope)).toBe("100100");
  });

  it("an expression may contain }} inside a string or a nested map literal", () => {
    expect(renderTemplate("{{ '}}' }}", scope)).toBe("}}");
    expect(renderTemplate("{{ {'a': {'b': 1}} }}", scope)).toEqual({ a: { b: 1 } });
    expect(renderTemplate("x{{ {'a': {'b': 1}}.a.b }}y", scope)).toBe("x1y");
  });

  it("a literal {{ is written {{ '{{' }}", () => {
    expect(renderTemplate("{{ '{{' }} not a template }}", scope)).toBe("{{ not a template }}");
  });
});

describe("renderTemplate: deep walk", () => {
  it("renders strings in nested objects and arrays and leaves other values and keys alone", () => {
    const spec = {
      url: "https://x/{{ params.region }}",
      body: { limit: "{{ params.limit }}", list: ["{{ params.ratio }}", 7, false, null], "{{ key }}": "k" },
    };
    expect(renderTemplate(spec, scope)).toEqual({
      url: "https://x/eu",
      body: { limit: 100, list: [0.5, 7, false, null], "{{ key }}": "k" },
    });
  });

  it("returns strings without {{ and structures without templates unchanged (same object)", () => {
    const spec = { a: ["x", { b: 1 }], c: "plain }} text" };
    expect(renderTemplate(spec, scope)).toBe(spec);
    expect(renderTemplate("plain", scope)).toBe("plain");
  });

  it("does not render a value twice: a param that looks like a template stays text", () => {
    const tricky = { ...scope, params: { ...scope.params, region: "{{ runId }}" } };
    expect(renderTemplate("{{ params.region }}", tricky)).toBe("{{ runId }}");
    expect(renderTemplate("r={{ params.region }}", tricky)).toBe("r={{ runId }}");
  });

  it("does not mutate the input", () => {
    const spec = { a: ["{{ params.limit }}"] };
    renderTemplate(spec, scope);
    expect(spec).toEqual({ a: ["{{ params.limit }}"] });
  });

  it("an evaluation error names the JSON path of the string", () => {
    const err = errorOf(() => renderTemplate({ request: { headers: ["ok", "x {{ params.missing }}"] } }, scope));
    expect(err.path).toBe("request.headers[1]");
    expect(err.message).toMatch(/^request\.headers\[1\]: no such key 'missing' in params/);
  });

  it("a syntax error or an unclosed {{ is thrown when rendering", () => {
    expect(errorOf(() => renderTemplate("{{ 1 + }}", scope)).message).toMatch(/Unexpected token/);
    expect(errorOf(() => renderTemplate("a {{ params.region", scope)).message).toMatch(/no matching '}}'/);
  });
});

describe("templateIssues", () => {
  it("reports each bad template at the path of its string", () => {
    const issues = templateIssues(
      {
        url: "https://x/{{ params. }}",
        body: ["fine {{ params.region }}", "{{ unclosed", { deep: "{{ nope.x }}" }],
        plain: "no templates",
      },
      "tasks.load.request",
    );
    expect(issues.map((i) => i.path)).toEqual([
      "tasks.load.request.url",
      "tasks.load.request.body[1]",
      "tasks.load.request.body[2].deep",
    ]);
    expect(issues[0]?.message).toMatch(/Expected IDENTIFIER/);
    expect(issues[1]?.message).toMatch(/no matching '}}'/);
    expect(issues[2]?.message).toMatch(/unknown variable 'nope'/);
  });

  it("is empty for valid templates and for values without any", () => {
    expect(templateIssues({ a: "{{ params.x }}", b: ["{{ tasks.t.output }}-{{ runId }}"], c: 1 }, "tasks.t")).toEqual([]);
    expect(templateIssues(42, "x")).toEqual([]);
  });

  it("uses the base path alone for a top-level string", () => {
    const issues = templateIssues("{{ 1 + }}", "tasks.a.args");
    expect(issues.map((i) => i.path)).toEqual(["tasks.a.args"]);
    expect(issues[0]?.message).toMatch(/Unexpected token/);
  });
});

describe("usesTemplates / referencedTasks", () => {
  it("usesTemplates finds a {{ anywhere in the value", () => {
    expect(usesTemplates({ a: [1, { b: "x {{ params.y }}" }] })).toBe(true);
    expect(usesTemplates({ a: [1, { b: "x" }], c: null })).toBe(false);
    expect(usesTemplates("{{")).toBe(true);
  });

  it("referencedTasks lists the task ids read by every template, sorted and unique", () => {
    const value = {
      url: "https://x/{{ tasks.extract.output.id }}",
      body: ["{{ tasks['load-2'].output }}", "{{ size(tasks.extract.output.items) + tasks.b.output.n }}"],
      sql: "select * from t where id = {{ tasks.c.output.id }}",
    };
    expect(referencedTasks(value)).toEqual(["b", "c", "extract", "load-2"]);
  });

  it("referencedTasks ignores params and broken templates", () => {
    expect(referencedTasks({ a: "{{ params.tasks }}", b: "{{ tasks.x.output + }}" })).toEqual([]);
  });
});

describe("renderSqlTemplate", () => {
  it("turns each template into a ? placeholder and binds its value, never splicing it", () => {
    expect(
      renderSqlTemplate("SELECT * FROM orders WHERE region = {{ params.region }} LIMIT {{ params.limit }}", scope),
    ).toEqual({ sql: "SELECT * FROM orders WHERE region = ? LIMIT ?", bindings: ["eu", 100] });
  });

  it("binds a hostile string as a value: the SQL text stays the same", () => {
    const evil = { ...scope, params: { ...scope.params, region: "x'; DROP TABLE orders; --" } };
    const rendered = renderSqlTemplate("SELECT 1 WHERE r = {{ params.region }}", evil);
    expect(rendered.sql).toBe("SELECT 1 WHERE r = ?");
    expect(rendered.bindings).toEqual(["x'; DROP TABLE orders; --"]);
  });

  it("binds booleans as 1/0, structures as JSON text and null as null", () => {
    const rendered = renderSqlTemplate(
      "INSERT INTO t VALUES ({{ params.enabled }}, {{ !params.enabled }}, {{ params.filters }}, {{ tasks.extract.output.items }}, {{ logicalDate }})",
      scope,
    );
    expect(rendered.sql).toBe("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
    expect(rendered.bindings).toEqual([1, 0, '{"a":1}', "[1,2]", null]);
  });

  it("leaves SQL without templates alone, quotes and ? included", () => {
    const sql = "SELECT '{' || name, ? FROM t -- {x}";
    expect(renderSqlTemplate(sql, scope)).toEqual({ sql, bindings: [] });
  });

  it("keeps quoted strings, identifiers and comments around templates intact", () => {
    const rendered = renderSqlTemplate(
      `SELECT 'it''s', "col", [x] FROM t /* c */ WHERE a = {{ params.note }} -- trailing`,
      scope,
    );
    expect(rendered).toEqual({
      sql: `SELECT 'it''s', "col", [x] FROM t /* c */ WHERE a = ? -- trailing`,
      bindings: ["it's"],
    });
  });

  it("an expression with quotes and ? inside the braces is not mistaken for SQL", () => {
    const rendered = renderSqlTemplate("SELECT {{ params.region == 'eu' ? 'EU' : 'other' }}, 'x'", scope);
    expect(rendered).toEqual({ sql: "SELECT ?, 'x'", bindings: ["EU"] });
  });

  it.each([
    ["SELECT * FROM t WHERE region = '{{ params.region }}'", /quoted SQL string would be sent as the text '\?'/],
    ["SELECT 'it''s {{ params.region }}'", /quoted SQL string/],
    ['SELECT * FROM "{{ params.region }}"', /cannot name a table or column/],
    ["SELECT * FROM [{{ params.region }}]", /cannot name a table or column/],
    ["SELECT 1 -- {{ params.region }}\n", /comment/],
    ["SELECT 1 /* {{ params.region }} */", /comment/],
    ["SELECT ?, {{ params.region }}", /'\?' parameter cannot be mixed/],
    ["SELECT {{ params.region", /no matching '}}'/],
    ["SELECT {{ params. }}", /Expected IDENTIFIER/],
  ])("rejects %j", (sql, pattern) => {
    expect(errorOf(() => renderSqlTemplate(sql, scope)).message).toMatch(pattern);
    const issues = sqlTemplateIssues(sql, "tasks.load.sql[1]");
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("tasks.load.sql[1]");
    expect(issues[0]?.message).toMatch(pattern);
  });

  it("sqlTemplateIssues is empty for sound SQL templates", () => {
    expect(sqlTemplateIssues("SELECT {{ params.limit }}, 'a' -- note", "tasks.x.sql")).toEqual([]);
    expect(sqlTemplateIssues("SELECT 1", "tasks.x.sql")).toEqual([]);
  });

  it("reports an evaluation error when rendering", () => {
    expect(errorOf(() => renderSqlTemplate("SELECT {{ params.nope }}", scope)).message).toMatch(/no such key 'nope'/);
  });
});
