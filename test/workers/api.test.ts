import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerDag, trigger, waitForRun } from "./helpers";
import { mockHttp } from "./mock-http";

const simple = { tasks: { a: { type: "sql", sql: "SELECT 1" }, b: { type: "empty", dependsOn: ["a"] } } };

describe("authentication", () => {
  it("answers 401 JSON without a token and with a wrong one", async () => {
    const none = await api("/api/dags", { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("unauthorized");
    const wrong = await api("/api/dags", { token: "test-tokem" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toContain("invalid");
    expect((await api("/api/dags")).status).toBe(200);
  });
});

describe("DAG registration and versions", () => {
  it("creates version 1, keeps it for an identical spec (any key order), makes version 2 for a change", async () => {
    const first = await api("/api/dags/versions_demo", { method: "PUT", json: simple });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ dagId: "versions_demo", version: 1 });

    const reordered = { tasks: { b: { dependsOn: ["a"], type: "empty" }, a: { sql: "SELECT 1", type: "sql" } } };
    const same = await api("/api/dags/versions_demo", { method: "PUT", json: reordered });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);

    const changed = await api("/api/dags/versions_demo", {
      method: "PUT",
      json: { ...simple, description: "now with a description" },
    });
    expect(changed.status).toBe(201);
    expect(changed.body.version).toBe(2);

    const latest = await api("/api/dags/versions_demo");
    expect(latest.body.version).toBe(2);
    expect(latest.body.spec.description).toBe("now with a description");
    const v1 = await api("/api/dags/versions_demo?version=1");
    expect(v1.body.version).toBe(1);
    expect(v1.body.spec.description).toBeUndefined();

    const list = await api("/api/dags");
    expect(list.body.dags).toContainEqual(expect.objectContaining({ dagId: "versions_demo", version: 2 }));
  });

  it("rejects an invalid DAG with 400 invalid_dag naming each bad field, and stores nothing", async () => {
    const res = await api("/api/dags/bad_dag", {
      method: "PUT",
      json: {
        tasks: {
          extract: { type: "http", request: { url: "https://example.test" } },
          load: { type: "sql", dependsOn: ["extrakt"], sql: "SELECT 1" },
          loop: { type: "empty", dependsOn: ["loop"] },
        },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_dag");
    expect(res.body.error.issues).toEqual(
      expect.arrayContaining([
        { path: "tasks.load.dependsOn[0]", message: "unknown task 'extrakt'" },
        { path: "tasks.loop.dependsOn[0]", message: "task 'loop' cannot depend on itself" },
      ]),
    );
    expect((await api("/api/dags/bad_dag")).status).toBe(404);
  });

  it("keeps the stored version intact when a bad spec is sent for an existing DAG", async () => {
    await registerDag("kept", simple);
    const bad = await api("/api/dags/kept", { method: "PUT", json: { tasks: { a: { type: "sql" } } } });
    expect(bad.status).toBe(400);
    const stored = await api("/api/dags/kept");
    expect(stored.body.version).toBe(1);
    expect(stored.body.spec).toEqual(simple);
  });

  it("names the cycle, the duplicate id and a bad type", async () => {
    const cycle = await api("/api/dags/cyclic", {
      method: "PUT",
      json: {
        tasks: {
          a: { type: "empty", dependsOn: ["c"] },
          b: { type: "empty", dependsOn: ["a"] },
          c: { type: "empty", dependsOn: ["b"] },
        },
      },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.issues[0].message).toMatch(/^cycle: (a → b → c → a|b → c → a → b|c → a → b → c)$/);

    const dup = await api("/api/dags/dup", {
      method: "PUT",
      body: '{"tasks": {"a": {"type": "empty"}, "a": {"type": "sql", "sql": "SELECT 1"}}}',
      headers: { "content-type": "application/json" },
    });
    expect(dup.status).toBe(400);
    expect(dup.body.error.issues).toContainEqual({ path: "tasks.a", message: "duplicate task id 'a'" });

    const badType = await api("/api/dags/badtype", { method: "PUT", json: { tasks: { a: { type: "python" } } } });
    expect(badType.status).toBe(400);
    expect(badType.body.error.issues[0].path).toBe("tasks.a.type");
  });

  it("rejects a body that is not JSON, and a bad DAG id", async () => {
    const res = await api("/api/dags/x", { method: "PUT", body: "{nope", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
    const badId = await api("/api/dags/-bad", { method: "PUT", json: simple });
    expect(badId.status).toBe(400);
    expect(badId.body.error.issues[0].message).toContain("must match");
  });
});

describe("triggering and reading runs", () => {
  it("answers 404 for an unknown DAG or run", async () => {
    const dag = await api("/api/dags/nope/runs", { method: "POST", json: {} });
    expect(dag.status).toBe(404);
    expect(dag.body.error.code).toBe("not_found");
    expect((await api("/api/dags/nope")).status).toBe(404);
    expect((await api("/api/dags/nope/runs")).status).toBe(404);
    expect((await api("/api/runs/0123456789abcdef0123456789abcdef")).status).toBe(404);
    expect((await api("/api/runs/not-a-run-id")).status).toBe(404);
    expect((await api("/api/runs/0123456789abcdef0123456789abcdef/attempts")).status).toBe(404);
    expect((await api("/api/runs/0123456789abcdef0123456789abcdef/cancel", { method: "POST" })).status).toBe(404);
    // Asking about a run that does not exist stores nothing in the coordinator it reached.
    const stored = await runInDurableObject(env.RUNS.get(env.RUNS.idFromName("0123456789abcdef0123456789abcdef")), (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
    );
    expect(stored).toEqual([]);
  });

  it("is idempotent with runKey: the same key returns the existing run with 200 and starts nothing", async () => {
    await registerDag("keyed", simple);
    const first = await api("/api/dags/keyed/runs", { method: "POST", json: { runKey: "2026-11-28" } });
    expect(first.status).toBe(201);
    const second = await api("/api/dags/keyed/runs", { method: "POST", json: { runKey: "2026-11-28" } });
    expect(second.status).toBe(200);
    expect(second.body.runId).toBe(first.body.runId);
    const other = await api("/api/dags/keyed/runs", { method: "POST", json: { runKey: "2026-11-29" } });
    expect(other.status).toBe(201);
    expect(other.body.runId).not.toBe(first.body.runId);
    await waitForRun(first.body.runId);
    await waitForRun(other.body.runId);
    // Listings come from the catalog, written within CATALOG_FLUSH_MS of each change.
    let list = await api("/api/dags/keyed/runs");
    for (let i = 0; i < 100 && list.body.runs.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      list = await api("/api/dags/keyed/runs");
    }
    expect(list.body.runs).toHaveLength(2);
    // A listed run's trigger has the shape its own view shows.
    const view = (await api(`/api/runs/${first.body.runId}`)).body;
    expect(view.trigger).toEqual({ type: "api" });
    expect(list.body.runs.map((r: { trigger: unknown }) => r.trigger)).toEqual([view.trigger, view.trigger]);
  });

  it("derives the run from the DAG and the runKey: the same key on another DAG starts another run", async () => {
    await registerDag("keyed_a", simple);
    await registerDag("keyed_b", simple);
    const a = await api("/api/dags/keyed_a/runs", { method: "POST", json: { runKey: "shared-key" } });
    const b = await api("/api/dags/keyed_b/runs", { method: "POST", json: { runKey: "shared-key" } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.runId).not.toBe(a.body.runId);
    expect((await waitForRun(a.body.runId)).dagId).toBe("keyed_a");
    expect((await waitForRun(b.body.runId)).dagId).toBe("keyed_b");
  });

  it("starts a run once when two triggers with one runKey arrive together: 201 and 200, one attempt of the root task", async () => {
    const mock = mockHttp(() => Response.json({ ok: true }));
    try {
      await registerDag("keyed_race", {
        tasks: { root: { type: "http", request: { url: "https://mock.test/root" } }, b: { type: "empty", dependsOn: ["root"] } },
      });
      const trigger = () => api("/api/dags/keyed_race/runs", { method: "POST", json: { runKey: "together" } });
      const answers = await Promise.all([trigger(), trigger()]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
      const [first, second] = answers;
      expect(second?.body.runId).toBe(first?.body.runId);
      const runId: string = first?.body.runId;
      const run = await waitForRun(runId);
      expect(run.status).toBe("success");
      const { body } = await api(`/api/runs/${runId}/attempts`);
      expect(body.attempts.filter((a: any) => a.taskId === "root").map((a: any) => [a.attempt, a.status])).toEqual([[1, "success"]]);
      expect(mock.calls.map((r) => r.url)).toEqual(["https://mock.test/root"]);
    } finally {
      mock.restore();
    }
  });

  it("answers a cheap summary without tasks for pollers", async () => {
    await registerDag("summarized", simple);
    const { runId } = await trigger("summarized");
    await waitForRun(runId);
    const res = await api(`/api/runs/${runId}?tasks=false`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runId, dagId: "summarized", status: "success", tasksDone: 2 });
    expect(res.body.tasks).toBeUndefined();
    expect((await api("/api/runs/0123456789abcdef0123456789abcdef?tasks=false")).status).toBe(404);
  });

  it("rejects a bad trigger body naming the field", async () => {
    await registerDag("trig_bad", simple);
    const res = await api("/api/dags/trig_bad/runs", { method: "POST", json: { runKey: 5, extra: true } });
    expect(res.status).toBe(400);
    const paths = res.body.error.issues.map((i: any) => i.path);
    expect(paths).toContain("runKey");
  });

  it("lists runs newest first with status filter and cursor pagination", async () => {
    await registerDag("paged", simple);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { runId } = await trigger("paged");
      await waitForRun(runId);
      ids.push(runId);
      await new Promise((r) => setTimeout(r, 2));
    }
    // The catalog row is written right after the final transition; wait for the last one.
    for (let i = 0; i < 100; i++) {
      const { body } = await api("/api/dags/paged/runs?status=success&limit=50");
      if (body.runs.length === 5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const page1 = await api("/api/dags/paged/runs?limit=2");
    expect(page1.body.runs.map((r: any) => r.runId)).toEqual([ids[4], ids[3]]);
    const page2 = await api(`/api/dags/paged/runs?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.runs.map((r: any) => r.runId)).toEqual([ids[2], ids[1]]);
    const page3 = await api(`/api/dags/paged/runs?limit=2&cursor=${page2.body.nextCursor}`);
    expect(page3.body.runs.map((r: any) => r.runId)).toEqual([ids[0]]);
    expect(page3.body.nextCursor).toBeNull();
    const failed = await api("/api/dags/paged/runs?status=failed");
    expect(failed.body.runs).toEqual([]);
    const bad = await api("/api/dags/paged/runs?status=weird&limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: any) => i.path).sort()).toEqual(["limit", "status"]);
  });

  it("keeps a running run on the version it started with when the DAG changes", async () => {
    const mock = mockHttp(async (req) => {
      // Holds the first task until the test has registered version 2.
      await new Promise((r) => setTimeout(r, 300));
      return Response.json({ url: req.url });
    });
    try {
      await registerDag("evolving", {
        tasks: { a: { type: "http", request: { url: "https://mock.test/v1" } } },
      });
      const { runId } = await trigger("evolving");
      const v2 = await registerDag("evolving", {
        tasks: {
          a: { type: "http", request: { url: "https://mock.test/v2" } },
          extra: { type: "empty", dependsOn: ["a"] },
        },
      });
      expect(v2.version).toBe(2);
      const run = await waitForRun(runId);
      expect(run.dagVersion).toBe(1);
      expect(run.tasks.map((t: any) => t.taskId)).toEqual(["a"]);
      expect(run.tasks[0].output).toEqual({ url: "https://mock.test/v1" });
    } finally {
      mock.restore();
    }
  });
});

describe("demo endpoints", () => {
  it("/demo/slow answers after the asked delay (capped at 60 s)", async () => {
    const started = Date.now();
    const res = await api("/demo/slow?ms=150", { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sleptMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
