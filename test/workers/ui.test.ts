import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { api, registerDag, trigger, waitFor, waitForRun } from "./helpers";

/** What the web UI reads: the grid endpoint, tags in the DAG list, and the HTML shells. */

describe("GET /api/dags/{dagId}/grid", () => {
  it("answers runs × task states newest first, a mapped task as counts by state, in the catalog's order", async () => {
    await registerDag("grid_demo", {
      tags: ["ui"],
      tasks: {
        list: { type: "function", function: "range", args: { n: 3 } },
        each: { type: "function", function: "echo", dependsOn: ["list"], map: { over: "tasks.list.output" }, args: "{{ item }}" },
        boom: { type: "function", function: "fail", args: { message: "no" }, dependsOn: ["each"] },
        after: { type: "empty", dependsOn: ["boom"] },
      },
    });
    const first = await trigger("grid_demo", { runKey: "one" });
    await waitForRun(first.runId);
    const second = await trigger("grid_demo", { runKey: "two" });
    await waitForRun(second.runId);
    // The catalog is written shortly after a run ends.
    const grid = await waitFor(async () => {
      const res = await api("/api/dags/grid_demo/grid?limit=5");
      const runs = res.body.runs as Array<{ tasks: Record<string, unknown> }>;
      return runs.length === 2 && runs.every((r) => Object.keys(r.tasks).length === 4) ? res : undefined;
    }, "both runs in the grid");
    expect(grid.status).toBe(200);
    expect(grid.body.runs.map((r: { runId: string }) => r.runId)).toEqual([second.runId, first.runId]);
    const run = grid.body.runs[0];
    expect(run).toMatchObject({ status: "failed", dagVersion: 1, trigger: { type: "api" } });
    expect(run.tasks.list).toEqual({ status: "success", attempts: 1 });
    expect(run.tasks.each).toEqual({ status: "success", attempts: 0, mapped: { total: 3, states: { success: 3 } } });
    expect(run.tasks.boom).toMatchObject({ status: "failed" });
    expect(run.tasks.after).toMatchObject({ status: "upstream_failed" });

    const one = await api("/api/dags/grid_demo/grid?limit=1");
    expect(one.body.runs).toHaveLength(1);
  });

  it("names a bad limit, 404s an unknown DAG, needs the token", async () => {
    const bad = await api("/api/dags/grid_demo/grid?limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([{ path: "limit", message: expect.any(String) }]);
    expect((await api("/api/dags/grid_demo/grid?limit=101")).status).toBe(400);
    expect((await api("/api/dags/no_such_dag/grid")).status).toBe(404);
    expect((await api("/api/dags/grid_demo/grid", { token: null })).status).toBe(401);
  });
});

describe("query strings the typed client sends, validated by name", () => {
  it("answers 400 naming `version` and `tasks`", async () => {
    await registerDag("query_demo", { tasks: { x: { type: "empty" } } });
    const v0 = await api("/api/dags/query_demo?version=0");
    expect(v0.status).toBe(400);
    expect(v0.body.error.issues).toEqual([{ path: "version", message: expect.any(String) }]);
    expect((await api("/api/dags/query_demo?version=1")).body.version).toBe(1);
    const run = await trigger("query_demo");
    const bad = await api(`/api/runs/${run.runId}?tasks=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([{ path: "tasks", message: expect.any(String) }]);
    const cheap = await api(`/api/runs/${run.runId}?tasks=false`);
    expect(cheap.body.tasks).toBeUndefined();
    expect(cheap.body.tasksDone).toBeGreaterThanOrEqual(0);
  });
});

describe("the DAG list for the UI", () => {
  it("lists each DAG's tags from its latest version", async () => {
    await registerDag("tagged_ui", { tags: ["a", "b"], tasks: { x: { type: "empty" } } });
    await registerDag("tagged_ui", { tags: ["c"], tasks: { x: { type: "empty" } } });
    const { body } = await api("/api/dags");
    expect(body.dags.find((d: { dagId: string }) => d.dagId === "tagged_ui")).toMatchObject({ version: 2, tags: ["c"] });
  });
});

describe("the UI's HTML shells", () => {
  it("serves each page's shell without a token, with its island, a strict CSP and the path params", async () => {
    for (const [path, entry] of [["/", "dags"], ["/dags/orders", "dag"], ["/dags/orders/trigger", "trigger"], ["/runs/abc", "run"], ["/dags/orders/backfill", "backfill-new"], ["/backfills/bf_1", "backfill"], ["/pools", "pools"], ["/datasets", "datasets"], ["/lineage", "lineage"]] as const) {
      const res = await exports.default.fetch(`http://switchyard.test${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      const html = await res.text();
      expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
      expect(html).toContain(`<script type="module" src="/ui/${entry}.js">`);
      expect(html).not.toContain("test-token");
    }
    const dag = await (await exports.default.fetch("http://switchyard.test/dags/orders")).text();
    expect(dag).toContain('data-dagid="orders"');
    expect(await (await exports.default.fetch("http://switchyard.test/pools")).text()).toContain('<a href="/pools" aria-current="page">');
    expect(await (await exports.default.fetch("http://switchyard.test/lineage?dataset=d1%3A%2F%2Forders")).text()).toContain('<a href="/lineage" aria-current="page">');
    const escaped = await (await exports.default.fetch("http://switchyard.test/dags/%3Cb%3E")).text();
    expect(escaped).not.toContain("<b>");
  });
});
