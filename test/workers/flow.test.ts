import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { api, registerDag, taskOf, trigger, waitFor, waitForRun } from "./helpers";
import { manualQueue } from "./manual-queue";
import { mockHttp } from "./mock-http";

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

describe("typed params and templates", () => {
  const dag = {
    params: {
      region: { type: "string", enum: ["eu", "us"], default: "eu" },
      limit: { type: "integer", minimum: 1, maximum: 1000, required: true },
      day: { type: "date" },
    },
    tasks: {
      fetch: {
        type: "http",
        request: { url: "https://mock.test/orders/{{ params.region }}?limit={{ params.limit }}", headers: { "x-run": "{{ runId }}" } },
      },
      store: {
        type: "sql",
        dependsOn: ["fetch"],
        sql: "CREATE TABLE IF NOT EXISTS region_counts (region TEXT, n INTEGER); INSERT INTO region_counts VALUES ({{ params.region }}, {{ size(tasks.fetch.output.items) }}); SELECT region, n FROM region_counts WHERE region = {{ params.region }}",
      },
      total: { type: "function", function: "sum", dependsOn: ["fetch"], args: { values: "{{ tasks.fetch.output.items }}" } },
    },
  };

  it("rejects bad params with 400 naming each param, and returns the params schema with the DAG", async () => {
    await registerDag("typed", dag);
    const res = await api("/api/dags/typed/runs", { method: "POST", json: { params: { region: "mars", day: "2026-02-30", extra: 1 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_params");
    const paths = res.body.error.issues.map((i: any) => i.path).sort();
    expect(paths).toEqual(["params.day", "params.extra", "params.limit", "params.region"]);
    const spec = await api("/api/dags/typed");
    expect(spec.body.spec.params.region).toEqual({ type: "string", enum: ["eu", "us"], default: "eu" });
  });

  it("renders params, run id and upstream outputs into http, sql (as bound values) and function args", async () => {
    const http = mockHttp((req) => Response.json({ url: req.url, run: req.headers.get("x-run"), items: [5, 6, 7] }));
    cleanups.push(http.restore);
    await registerDag("typed", dag);
    const { runId } = await trigger("typed", { params: { limit: 10 } });
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(run.params).toEqual({ region: "eu", limit: 10 });
    expect(taskOf(run, "fetch").output).toMatchObject({ url: "https://mock.test/orders/eu?limit=10", run: runId });
    expect(taskOf(run, "store").output).toEqual(expect.arrayContaining([{ region: "eu", n: 3 }]));
    expect(taskOf(run, "total").output).toEqual({ total: 18 });
  });

  it("binds a hostile param as a value, never as SQL text", async () => {
    await registerDag("inject", {
      params: { name: { type: "string", required: true } },
      tasks: {
        t: {
          type: "sql",
          sql: "CREATE TABLE IF NOT EXISTS people (name TEXT); INSERT INTO people VALUES ({{ params.name }}); SELECT count(*) AS n FROM people WHERE name = {{ params.name }}",
        },
      },
    });
    const evil = "x'); DROP TABLE people; --";
    const { runId } = await trigger("inject", { params: { name: evil } });
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "t").output).toEqual([{ n: 1 }]);
  });
});

describe("branching and trigger rules", () => {
  it("follows the chosen branch, skips the other, and runs a none_failed_min_one_success join", async () => {
    await registerDag("branchy", {
      params: { data_volume: { type: "integer", default: 10 } },
      tasks: {
        decide: { type: "branch", expression: "params.data_volume > 1000000 ? 'heavy_processing' : 'light_processing'" },
        heavy_processing: { type: "function", function: "echo", dependsOn: ["decide"], args: "heavy" },
        light_processing: { type: "function", function: "echo", dependsOn: ["decide"], args: "light" },
        after_heavy: { type: "empty", dependsOn: ["heavy_processing"] },
        join: { type: "empty", dependsOn: ["after_heavy", "light_processing"], triggerRule: "none_failed_min_one_success" },
      },
    });
    const small = await waitForRun((await trigger("branchy")).runId);
    expect(small.status).toBe("success");
    expect(taskOf(small, "decide").output).toEqual({ followed: ["light_processing"] });
    expect(taskOf(small, "light_processing").status).toBe("success");
    expect(taskOf(small, "heavy_processing").status).toBe("skipped");
    expect(taskOf(small, "after_heavy").status).toBe("skipped");
    expect(taskOf(small, "join").status).toBe("success");

    const big = await waitForRun((await trigger("branchy", { params: { data_volume: 2_000_000 } })).runId);
    expect(taskOf(big, "heavy_processing").output).toBe("heavy");
    expect(taskOf(big, "light_processing").status).toBe("skipped");
    expect(taskOf(big, "join").status).toBe("success");
  });

  it("skips a task whose `when` is false, and skipping propagates under all_success", async () => {
    await registerDag("conditional", {
      params: { full: { type: "boolean", default: false } },
      tasks: {
        always: { type: "function", function: "noop" },
        optional: { type: "function", function: "noop", dependsOn: ["always"], when: "params.full" },
        after: { type: "empty", dependsOn: ["optional"] },
        cleanup: { type: "empty", dependsOn: ["optional"], triggerRule: "all_done" },
      },
    });
    const run = await waitForRun((await trigger("conditional")).runId);
    expect(run.status).toBe("success");
    expect(run.tasks.map((t: any) => [t.taskId, t.status])).toEqual([
      ["always", "success"],
      ["optional", "skipped"],
      ["after", "skipped"],
      ["cleanup", "success"],
    ]);
  });
});

describe("dynamic task mapping", () => {
  it("maps over an upstream http output of 1,000 items; downstream gets the outputs in order", async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({ id: i }));
    const http = mockHttp(() => Response.json({ items }));
    cleanups.push(http.restore);
    await registerDag("wide", {
      tasks: {
        list: { type: "http", request: { url: "https://mock.test/items" } },
        each: { type: "function", function: "echo", dependsOn: ["list"], map: { over: "tasks.list.output.items" }, args: "{{ item.id * 2 }}" },
        total: { type: "function", function: "sum", dependsOn: ["each"], args: { values: "{{ tasks.each.output }}" } },
      },
    });
    const { runId } = await trigger("wide");
    const run = await waitForRun(runId, 60_000);
    expect(run.status).toBe("success");
    const each = taskOf(run, "each");
    expect(each.mapped).toEqual({ total: 1_000, done: 1_000, failed: 0, active: 0 });
    expect(each.output).toHaveLength(1_000);
    expect(each.output[999]).toBe(1_998);
    expect(run.tasks.filter((t: any) => t.taskId === "each" && t.mapIndex !== null)).toHaveLength(1_000);
    expect(taskOf(run, "total").output).toEqual({ total: 999_000 });
    // The 1,000-item list (over the 4 KiB inline limit in tests) lives in R2, transparently.
    const stored = await waitFor(
      async () =>
        (await env.CATALOG.prepare("SELECT output_json FROM task_instances WHERE run_id = ? AND task_key = 'list'")
          .bind(runId)
          .first<{ output_json: string }>()) ?? undefined,
      "the catalog row of 'list'",
    );
    expect(JSON.parse(stored.output_json)).toHaveProperty("$artifact");
    expect(taskOf(run, "list").output.items).toHaveLength(1_000);
    // Every instance reaches the catalog, over several flushes (each invocation writes a bounded share).
    const rows = await waitFor(async () => {
      const n = await env.CATALOG.prepare("SELECT count(*) AS n FROM task_instances WHERE run_id = ? AND status = 'success'")
        .bind(runId)
        .first<number>("n");
      return n === 1_003 ? n : undefined;
    }, "1,003 task rows in the catalog", 20_000);
    expect(rows).toBe(1_003);
  });

  it("skips a mapped task over an empty list, fails one over a list longer than maxMapLength", async () => {
    await registerDag("maps_edge", {
      params: { n: { type: "integer", default: 0 } },
      tasks: {
        list: { type: "function", function: "range", args: { n: "{{ params.n }}" } },
        each: { type: "function", function: "noop", dependsOn: ["list"], map: { over: "tasks.list.output", maxMapLength: 5 } },
      },
    });
    const empty = await waitForRun((await trigger("maps_edge")).runId);
    expect(taskOf(empty, "each").status).toBe("skipped");
    expect(empty.status).toBe("success");
    const long = await waitForRun((await trigger("maps_edge", { params: { n: 6 } })).runId);
    expect(taskOf(long, "each").status).toBe("failed");
    expect(taskOf(long, "each").error.message).toContain("6 items, more than maxMapLength 5");
  });

  /** An http endpoint that takes 15 ms and records the most requests it ever had in flight at once. */
  function concurrencyProbe() {
    let inFlight = 0;
    let peak = 0;
    const http = mockHttp(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 15));
      inFlight -= 1;
      return Response.json({ ok: true });
    });
    cleanups.push(http.restore);
    return { http, peak: () => peak };
  }

  /** Delivers each queue message as soon as it is sent, as many consumers at once would, until the run ends. */
  async function deliverAsSent(q: ReturnType<typeof manualQueue>, runId: string, continuation: string) {
    const testEnv = { ...env, CONTINUATION: continuation };
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < 500; i++) {
      if (q.pending.length > 0) {
        const delivery: Promise<unknown> = q.deliver({ env: testEnv }).finally(() => inflight.delete(delivery));
        inflight.add(delivery);
      }
      const { body } = await api(`/api/runs/${runId}`);
      if (body.status !== "running") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(inflight);
    return waitForRun(runId);
  }

  for (const continuation of ["on", "off"]) {
    it(`never runs more than maxActive instances at once (continuation ${continuation})`, async () => {
      const q = manualQueue();
      cleanups.push(q.restore);
      const probe = concurrencyProbe();
      await registerDag("throttled", {
        tasks: {
          list: { type: "function", function: "range", args: { n: 8 } },
          each: { type: "http", dependsOn: ["list"], map: { over: "tasks.list.output", maxActive: 2 }, request: { url: "https://mock.test/{{ item }}" } },
        },
      });
      const { runId } = await trigger("throttled");
      // The run must hold the limit however fast its messages are delivered.
      const run = await deliverAsSent(q, runId, continuation);
      expect(run.status).toBe("success");
      expect(probe.http.calls).toHaveLength(8);
      expect(probe.peak()).toBe(2);
    });
  }

  for (const continuation of ["on", "off"]) {
    it(`never has more than maxActiveTasks attempts of a run on workers at once (continuation ${continuation})`, async () => {
      const q = manualQueue();
      cleanups.push(q.restore);
      const probe = concurrencyProbe();
      const tasks: Record<string, unknown> = {};
      for (let i = 1; i <= 6; i++) tasks[`p${i}`] = { type: "http", request: { url: `https://mock.test/p${i}` } };
      await registerDag("run_limited", { maxActiveTasks: 2, tasks });
      const { runId } = await trigger("run_limited");
      const first = await api(`/api/runs/${runId}`);
      expect(first.body.tasks.map((t: any) => t.status)).toEqual(["queued", "queued", "scheduled", "scheduled", "scheduled", "scheduled"]);
      const run = await deliverAsSent(q, runId, continuation);
      expect(run.status).toBe("success");
      expect(probe.http.calls).toHaveLength(6);
      expect(probe.peak()).toBe(2);
      // Each task ran once: a scheduled task got its first attempt only when a slot was free.
      expect(run.tasks.map((t: any) => t.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
    });
  }
});

describe("fallbacks and failure alerts", () => {
  it("lets a run succeed through a fallback value; alerts fire for the real failures with the right summary", async () => {
    const received: any[] = [];
    const http = mockHttp(async (req) => {
      if (req.url.startsWith("https://mock.test/hook")) {
        received.push({ body: await req.json(), auth: req.headers.get("authorization") });
        return new Response("ok");
      }
      return new Response("down", { status: 503 });
    });
    cleanups.push(http.restore);
    await registerDag("resilient", {
      onFailure: { url: "https://mock.test/hook/dag", headers: { authorization: "Bearer hook-secret" } },
      tasks: {
        prices: {
          type: "http",
          request: { url: "https://mock.test/prices" },
          retries: { limit: 1, delaySeconds: 0.05 },
          fallback: { value: { prices: [], stale: true } },
        },
        report: { type: "function", function: "echo", dependsOn: ["prices"], args: "{{ tasks.prices.output.stale }}" },
      },
    });
    const ok = await waitForRun((await trigger("resilient")).runId);
    expect(ok.status).toBe("success");
    expect(taskOf(ok, "prices")).toMatchObject({ status: "success", fallbackUsed: true, attempts: 2, output: { prices: [], stale: true } });
    expect(taskOf(ok, "report").output).toBe(true);
    expect(received).toEqual([]); // saved by the fallback: nothing to alert

    await registerDag("alerting", {
      onFailure: { url: "https://mock.test/hook/dag", headers: { authorization: "Bearer hook-secret" } },
      tasks: {
        broken: { type: "http", request: { url: "https://mock.test/broken" } },
        after: { type: "empty", dependsOn: ["broken"] },
      },
    });
    const { runId } = await trigger("alerting");
    const failed = await waitForRun(runId);
    expect(failed.status).toBe("failed");
    const alerts = await waitFor(async () => (received.length >= 2 ? received : undefined), "two alerts");
    const byEvent = Object.fromEntries(alerts.map((a) => [a.body.event, a]));
    expect(byEvent.task_failed.body).toMatchObject({
      event: "task_failed",
      dagId: "alerting",
      runId,
      taskId: "broken",
      attempts: 1,
      lastError: { code: "http_status" },
      link: `https://switchyard.test/api/runs/${runId}`,
    });
    expect(byEvent.task_failed.body.lastError.message).toContain("HTTP 503");
    expect(byEvent.task_failed.auth).toBe("Bearer hook-secret");
    expect(byEvent.run_failed.body).toMatchObject({ event: "run_failed", runId, runStatus: "failed" });
    const recorded = await waitFor(async () => {
      const { body } = await api(`/api/runs/${runId}`);
      return body.alerts.every((a: any) => a.status === "delivered") ? body.alerts : undefined;
    }, "alerts recorded as delivered");
    expect(recorded).toHaveLength(2);
  });

  it("runs a fallback task in place of a task that fails for good", async () => {
    const http = mockHttp(() => new Response("down", { status: 500 }));
    cleanups.push(http.restore);
    await registerDag("alt_source", {
      tasks: {
        seed: { type: "function", function: "echo", args: { region: "eu" } },
        live: { type: "http", dependsOn: ["seed"], request: { url: "https://mock.test/live" }, fallback: { task: "cached" } },
        cached: { type: "function", function: "echo", args: { from: "cache", region: "{{ tasks.seed.output.region }}" } },
        use: { type: "function", function: "echo", dependsOn: ["live"], args: "{{ tasks.live.output.from }}" },
      },
    });
    const run = await waitForRun((await trigger("alt_source")).runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "live")).toMatchObject({ status: "success", fallbackUsed: true, output: { from: "cache", region: "eu" } });
    expect(taskOf(run, "cached").status).toBe("success");
    expect(taskOf(run, "use").output).toBe("cache");
  });
});

describe("child DAGs", () => {
  it("a parent run waits for a child that fails, and fails with it; links go both ways", async () => {
    await registerDag("child_fails", { tasks: { boom: { type: "function", function: "fail", args: { message: "child broke" } } } });
    await registerDag("parent_of_failure", {
      tasks: {
        run_child: { type: "dag", dagId: "child_fails" },
        after: { type: "empty", dependsOn: ["run_child"] },
      },
    });
    const { runId } = await trigger("parent_of_failure");
    const parent = await waitForRun(runId);
    expect(parent.status).toBe("failed");
    const task = taskOf(parent, "run_child");
    expect(task.status).toBe("failed");
    expect(task.error.message).toContain("ended failed");
    expect(taskOf(parent, "after").status).toBe("upstream_failed");
    const child = (await api(`/api/runs/${task.childRunId}`)).body;
    expect(child.status).toBe("failed");
    expect(child.parent).toEqual({ runId, taskKey: "run_child", attempt: 1 });
    expect(child.trigger).toEqual({ type: "dag", detail: { parentRunId: runId, parentDagId: "parent_of_failure", taskId: "run_child" } });
    // The catalog's listing shows the same trigger, detail included, once the child's row is written.
    let listed = (await api("/api/dags/child_fails/runs")).body.runs;
    for (let i = 0; i < 100 && listed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      listed = (await api("/api/dags/child_fails/runs")).body.runs;
    }
    expect(listed.find((r: { runId: string }) => r.runId === task.childRunId)?.trigger).toEqual(child.trigger);
  });

  it("passes templated params to a waiting child and succeeds with it; wait:false does not wait", async () => {
    await registerDag("child_ok", {
      params: { n: { type: "integer", required: true } },
      tasks: { list: { type: "function", function: "range", args: { n: "{{ params.n }}" } } },
    });
    await registerDag("parent_ok", {
      params: { n: { type: "integer", default: 3 } },
      tasks: {
        child: { type: "dag", dagId: "child_ok", params: { n: "{{ params.n + 1 }}" } },
        fire_and_forget: { type: "dag", dagId: "child_ok", params: { n: 1 }, wait: false },
      },
    });
    const parent = await waitForRun((await trigger("parent_ok")).runId);
    expect(parent.status).toBe("success");
    const child = await waitForRun(taskOf(parent, "child").childRunId);
    expect(child.params).toEqual({ n: 4 });
    expect(child.tasks[0].output).toEqual([0, 1, 2, 3]);
    expect(taskOf(parent, "fire_and_forget").output).toEqual({ runId: taskOf(parent, "fire_and_forget").childRunId });
  });

  it("a dag task naming an unregistered DAG, or params its child refuses, fails for good", async () => {
    await registerDag("typed_child", { params: { n: { type: "integer", required: true } }, tasks: { t: { type: "empty" } } });
    await registerDag("parent_of_faults", {
      tasks: {
        missing: { type: "dag", dagId: "never_registered" },
        refused: { type: "dag", dagId: "typed_child", params: { n: "three" } },
      },
    });
    const run = await waitForRun((await trigger("parent_of_faults")).runId);
    expect(run.status).toBe("failed");
    expect(taskOf(run, "missing").error).toMatchObject({ code: "config", retryable: false });
    expect(taskOf(run, "refused").error).toMatchObject({ code: "invalid_params", retryable: false });
    expect(taskOf(run, "refused").error.message).toContain("params.n");
  });

  it("fails a DAG that runs itself once the depth limit is reached", async () => {
    await registerDag("recursive", { tasks: { again: { type: "dag", dagId: "recursive" } } });
    const top = await waitForRun((await trigger("recursive")).runId, 30_000);
    expect(top.status).toBe("failed");
    // Walk down to the deepest run: it failed on the depth limit.
    let run = top;
    for (let depth = 0; depth < 5; depth++) run = (await api(`/api/runs/${taskOf(run, "again").childRunId}`)).body;
    expect(run.depth).toBe(5);
    expect(taskOf(run, "again").error.message).toContain("deeper than the limit of 5");
    expect(taskOf(run, "again").error.retryable).toBe(false);
  });

  it("cancelling the parent cancels the child it waits for", async () => {
    await registerDag("slow_child", { tasks: { wait: { type: "function", function: "sleep", args: { ms: 5_000 } } } });
    await registerDag("parent_cancel", { tasks: { child: { type: "dag", dagId: "slow_child" } } });
    const { runId } = await trigger("parent_cancel");
    const childRunId = await waitFor(async () => {
      const { body } = await api(`/api/runs/${runId}`);
      return taskOf(body, "child").childRunId as string | undefined;
    }, "the child run");
    await api(`/api/runs/${runId}/cancel`, { method: "POST" });
    const child = await waitForRun(childRunId);
    expect(child.status).toBe("cancelled");
  });
});

describe("rerun and clear", () => {
  it("retries the failed part of a finished run, keeping successful outputs, and completes it", async () => {
    let healthy = false;
    const http = mockHttp(() => (healthy ? Response.json({ ok: true }) : new Response("down", { status: 503 })));
    cleanups.push(http.restore);
    await registerDag("retryable", {
      tasks: {
        stable: { type: "function", function: "range", args: { n: 2 } },
        flaky: { type: "http", dependsOn: ["stable"], request: { url: "https://mock.test/flaky" } },
        after: { type: "empty", dependsOn: ["flaky"] },
      },
    });
    const { runId } = await trigger("retryable");
    expect((await waitForRun(runId)).status).toBe("failed");
    expect((await api(`/api/runs/${runId}/retry`, { method: "POST" })).status).toBe(200);
    healthy = true;
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "stable").attempts).toBe(1);
    expect(taskOf(run, "flaky").attempts).toBe(2);
    const { body } = await api(`/api/runs/${runId}/attempts`);
    expect(body.attempts.filter((a: any) => a.taskId === "flaky").map((a: any) => a.status)).toEqual(["failed", "success"]);
    const again = await api(`/api/runs/${runId}/retry`, { method: "POST" });
    expect(again.status).toBe(200); // nothing failed: a no-op on a successful run
    expect(again.body.status).toBe("success");
  });

  it("clears tasks (and downstream) and runs them again as new attempts", async () => {
    await registerDag("clearable", {
      tasks: {
        a: { type: "function", function: "noop" },
        b: { type: "function", function: "noop", dependsOn: ["a"] },
        c: { type: "function", function: "noop", dependsOn: ["b"] },
      },
    });
    const { runId } = await trigger("clearable");
    await waitForRun(runId);
    const bad = await api(`/api/runs/${runId}/clear`, { method: "POST", json: { taskIds: ["nope"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("taskIds[0]");
    const cleared = await api(`/api/runs/${runId}/clear`, { method: "POST", json: { taskIds: ["b"], downstream: true } });
    expect(cleared.status).toBe(200);
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(run.tasks.map((t: any) => [t.taskId, t.attempts])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 2],
    ]);
    const only = await api(`/api/runs/${runId}/clear`, { method: "POST", json: { taskIds: ["a"], downstream: false } });
    expect(only.status).toBe(200);
    const after = await waitForRun(runId);
    expect(after.tasks.map((t: any) => t.attempts)).toEqual([2, 2, 2]);
  });
});
