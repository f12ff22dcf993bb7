import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import example from "../../examples/dags/orders_lineage.json";
import { forwardOpenLineage, SETTLE_MS } from "../../src/lineage/openlineage-forwarder";
import { openLineageErrors } from "../unit/lineage/openlineage-schemas";
import { api, registerDag, trigger, waitFor, waitForRun } from "./helpers";
import { mockHttp } from "./mock-http";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

type Edge = { from: { dataset: string; column: string }; to: { dataset: string; column: string }; type: string; subtype: string; dagId: string; taskId: string; runId: string };
const line = (e: Edge) => `${e.from.dataset}#${e.from.column} -> ${e.to.dataset}#${e.to.column} ${e.type}/${e.subtype} by ${e.dagId}.${e.taskId}`;

/** The run's lineage once every successful attempt of it is recorded (they are written before the report). */
async function runLineage(runId: string) {
  const res = await api(`/api/runs/${runId}/lineage`);
  expect(res.status).toBe(200);
  return res.body as { runId: string; datasets: { read: string[]; written: string[] }; tasks: any[] };
}

let exampleRun: string;

describe("the example ETL DAG (orders, users, line_items → staging → orders_enriched → a report)", () => {
  beforeAll(async () => {
    await registerDag("orders_lineage", example);
    const { runId } = await trigger("orders_lineage");
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    exampleRun = runId;
  });

  it("answers that orders_enriched.total_amount is aggregated from line_items.amount, written by the enrich task in that run", async () => {
    const res = await api(`/api/lineage/columns?dataset=d1://orders_enriched&column=total_amount&direction=upstream`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dataset: "d1://orders_enriched", column: "total_amount", direction: "upstream", truncated: { depth: false, nodes: false }, maxDepth: null });
    expect(res.body.edges).toContainEqual({
      from: { dataset: "d1://line_items", column: "amount" },
      to: { dataset: "d1://orders_enriched", column: "total_amount" },
      type: "DIRECT",
      subtype: "AGGREGATION",
      dagId: "orders_lineage",
      taskId: "enrich",
      runId: exampleRun,
    });
    const lines = (res.body.edges as Edge[]).map(line);
    // What decided its rows: the join keys and the grouping, traced on through staging to the raw tables.
    expect(lines).toContain("d1://line_items#order_id -> d1://orders_enriched#* INDIRECT/JOIN by orders_lineage.enrich");
    expect(lines).toContain("d1://stg_orders#order_id -> d1://orders_enriched#* INDIRECT/GROUP_BY by orders_lineage.enrich");
    expect(lines).toContain("d1://orders#order_id -> d1://stg_orders#order_id DIRECT/IDENTITY by orders_lineage.stage_orders");
  });

  it("user_name comes from users.full_name through staging (two hops); depth=1 stops after one and says so", async () => {
    const all = await api(`/api/lineage/columns?dataset=d1://orders_enriched&column=user_name&direction=upstream`);
    const lines = (all.body.edges as Edge[]).map(line);
    expect(lines).toContain("d1://stg_orders#user_name -> d1://orders_enriched#user_name DIRECT/IDENTITY by orders_lineage.enrich");
    expect(lines).toContain("d1://users#full_name -> d1://stg_orders#user_name DIRECT/IDENTITY by orders_lineage.stage_orders");
    expect(all.body.depth).toBeGreaterThanOrEqual(2);

    const one = await api(`/api/lineage/columns?dataset=d1://orders_enriched&column=user_name&direction=upstream&depth=1`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ depth: 1, maxDepth: 1, truncated: { depth: true, nodes: false } });
    expect((one.body.edges as Edge[]).every((e) => e.taskId === "enrich")).toBe(true);
    expect((one.body.edges as Edge[]).map(line)).not.toContain("d1://users#full_name -> d1://stg_orders#user_name DIRECT/IDENTITY by orders_lineage.stage_orders");

    const few = await api(`/api/lineage/columns?dataset=d1://orders_enriched&column=user_name&direction=upstream&maxNodes=2`);
    expect(few.body).toMatchObject({ nodes: 2, maxNodes: 2, truncated: { nodes: true } });
  });

  it("downstream from line_items.amount reaches the declared report column through the publish function task", async () => {
    const res = await api(`/api/lineage/columns?dataset=d1://line_items&column=amount&direction=downstream`);
    const lines = (res.body.edges as Edge[]).map(line);
    expect(lines).toContain("d1://line_items#amount -> d1://orders_enriched#total_amount DIRECT/AGGREGATION by orders_lineage.enrich");
    expect(lines).toContain("d1://orders_enriched#total_amount -> https://reports.example.test/orders#revenue DIRECT/AGGREGATION by orders_lineage.publish");
  });

  it("SELECT * (o.* in a CREATE TABLE AS) is completed from PRAGMA table_info by the attempt that succeeded", async () => {
    const lineage = await runLineage(exampleRun);
    const stage = lineage.tasks.find((t) => t.taskId === "stage_orders");
    expect(stage.complete).toBe(true);
    expect(stage.columns["d1://orders"]).toEqual(["order_id", "user_id", "created_at"]);
    const lines = (stage.edges as Omit<Edge, "dagId" | "taskId" | "runId">[]).map((e) => `${e.from.dataset}#${e.from.column} -> ${e.to.dataset}#${e.to.column} ${e.type}/${e.subtype}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        "d1://orders#order_id -> d1://stg_orders#order_id DIRECT/IDENTITY",
        "d1://orders#user_id -> d1://stg_orders#user_id DIRECT/IDENTITY",
        "d1://orders#created_at -> d1://stg_orders#created_at DIRECT/IDENTITY",
        "d1://users#full_name -> d1://stg_orders#user_name DIRECT/IDENTITY",
      ]),
    );
    // At registration the columns of `orders` were unknown: the static lineage said so.
    const stored = await env.CATALOG.prepare("SELECT lineage_json FROM task_lineage WHERE dag_id = ? AND task_id = ?").bind("orders_lineage", "stage_orders").first<{ lineage_json: string }>();
    expect(JSON.parse(stored?.lineage_json ?? "{}")).toMatchObject({ complete: false, needsColumns: ["orders"] });
  });

  it("the run's lineage: every successful attempt, datasets read and written, the rows D1 says each changed", async () => {
    const lineage = await runLineage(exampleRun);
    expect(lineage.tasks.map((t) => t.taskId).sort()).toEqual(["enrich", "publish", "raw_line_items", "raw_orders", "raw_users", "stage_orders"]);
    const enrich = lineage.tasks.find((t) => t.taskId === "enrich");
    expect(enrich).toMatchObject({ taskKey: "enrich", attempt: 1, complete: true });
    expect(enrich.inputs.sort()).toEqual(["d1://line_items", "d1://stg_orders"]);
    expect(enrich.outputs).toEqual([{ dataset: "d1://orders_enriched", rowsChanged: 3 }]);
    const raw = lineage.tasks.find((t) => t.taskId === "raw_line_items");
    expect(raw.outputs).toEqual([{ dataset: "d1://line_items", rowsChanged: 4 }]);
    // D1 does not count the rows of a CREATE TABLE … AS: unknown, not 0.
    const stage = lineage.tasks.find((t) => t.taskId === "stage_orders");
    expect(stage.outputs).toEqual([{ dataset: "d1://stg_orders", rowsChanged: null }]);
    expect(lineage.datasets.written).toEqual(expect.arrayContaining(["d1://orders_enriched", "https://reports.example.test/orders"]));
    expect(lineage.datasets.read).toEqual(expect.arrayContaining(["d1://orders", "d1://users", "d1://line_items"]));
  });

  it("lists datasets with their kind, last writer and row count", async () => {
    const res = await api(`/api/lineage/datasets?limit=1000`);
    expect(res.status).toBe(200);
    const byUri = new Map((res.body.datasets as any[]).map((d) => [d.uri, d]));
    expect(byUri.get("d1://orders_enriched")).toMatchObject({
      kind: "d1",
      lastWriter: { dagId: "orders_lineage", taskId: "enrich", runId: exampleRun },
      rowsChanged: 3,
      rowCount: 3,
    });
    expect(byUri.get("https://reports.example.test/orders")).toMatchObject({ kind: "https", lastWriter: { taskId: "publish" }, rowCount: null });
  });

  it("walks datasets upstream and downstream, with the DAG, task and run of each edge", async () => {
    const up = await api(`/api/lineage/datasets/${encodeURIComponent("d1://orders_enriched")}?direction=upstream`);
    expect(up.status).toBe(200);
    const edges = (up.body.edges as any[]).map((e) => `${e.from} -> ${e.to} by ${e.taskId}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        "d1://stg_orders -> d1://orders_enriched by enrich",
        "d1://line_items -> d1://orders_enriched by enrich",
        "d1://orders -> d1://stg_orders by stage_orders",
        "d1://users -> d1://stg_orders by stage_orders",
      ]),
    );
    expect(edges).not.toContain("d1://orders_enriched -> https://reports.example.test/orders by publish");
    expect((up.body.edges as any[]).every((e) => e.runId === exampleRun && e.dagId === "orders_lineage")).toBe(true);
    expect(up.body.datasets.map((d: any) => d.uri)).toContain("d1://users");

    const down = await api(`/api/lineage/datasets/d1://users?direction=downstream&depth=1`);
    expect(down.status).toBe(200);
    expect(down.body.edges.map((e: any) => `${e.from} -> ${e.to}`)).toEqual(["d1://users -> d1://stg_orders"]);
    expect(down.body.truncated).toEqual({ depth: true, nodes: false });

    const both = await api(`/api/lineage/datasets/d1%3A%2F%2Fstg_orders`);
    expect(both.body.direction).toBe("both");
    expect(both.body.edges.map((e: any) => `${e.from} -> ${e.to}`)).toEqual(
      expect.arrayContaining(["d1://orders -> d1://stg_orders", "d1://stg_orders -> d1://orders_enriched", "d1://orders_enriched -> https://reports.example.test/orders"]),
    );
  });

  it("OpenLineage: START and COMPLETE of the run and of each attempt, every event valid against the vendored schemas", async () => {
    const events = await waitFor(async () => {
      const res = await api(`/api/openlineage/events?limit=1000`);
      const mine = (res.body.events as any[]).filter((e) => e.job.name === "orders_lineage" || e.job.name.startsWith("orders_lineage."));
      return mine.some((e) => e.job.name === "orders_lineage" && e.eventType === "COMPLETE") ? mine : undefined;
    }, "the run's events in the feed");
    for (const event of events) expect(openLineageErrors(event)).toEqual([]);
    const kinds = events.map((e) => `${e.job.name} ${e.eventType}`);
    expect(kinds).toEqual(expect.arrayContaining(["orders_lineage START", "orders_lineage COMPLETE", "orders_lineage.enrich START", "orders_lineage.enrich COMPLETE"]));
    expect(events.every((e) => e.job.namespace === "switchyard")).toBe(true);
    const enrich = events.find((e) => e.job.name === "orders_lineage.enrich" && e.eventType === "COMPLETE");
    expect(enrich.job.facets.sql.query).toContain("INSERT INTO orders_enriched");
    expect(enrich.run.facets.parent.job.name).toBe("orders_lineage");
    const output = enrich.outputs.find((o: any) => o.name === "orders_enriched");
    expect(output).toMatchObject({ namespace: "d1://DB" });
    expect(output.facets.columnLineage.fields.total_amount.inputFields).toContainEqual({
      namespace: "d1://DB",
      name: "line_items",
      field: "amount",
      transformations: [{ type: "DIRECT", subtype: "AGGREGATION" }],
    });
    expect(output.facets.columnLineage.fields.total_amount.transformationType).toBe("AGGREGATION");
    // Times in order, and a page's `next` goes on after its last event.
    const times = events.map((e) => Date.parse(e.eventTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const page = await api(`/api/openlineage/events?limit=2`);
    expect(page.body).toMatchObject({ more: true });
    const rest = await api(`/api/openlineage/events?limit=1000&cursor=${page.body.next}`);
    expect(rest.body.events.length).toBeGreaterThan(0);
    expect(rest.body.events[0]).not.toEqual(page.body.events[1]);
  });
});

describe("recording", () => {
  it("declared lineage on an http task and a function task is recorded when they succeed", async () => {
    restore = mockHttp(() => Response.json({ orders: [] })).restore;
    await registerDag("declared_only", {
      tasks: {
        extract: {
          type: "http",
          request: { url: "https://mock.test/orders" },
          datasets: {
            inputs: ["https://mock.test/orders"],
            outputs: ["r2://lake/orders/"],
            columns: { "r2://lake/orders/#id": [{ from: "https://mock.test/orders#order_id", type: "DIRECT", subtype: "IDENTITY" }] },
          },
        },
        score: {
          type: "function",
          function: "echo",
          args: { ok: true },
          dependsOn: ["extract"],
          datasets: {
            inputs: ["r2://lake/orders/"],
            outputs: ["d1://DB/order_scores"],
            columns: { "d1://DB/order_scores#score": [{ from: "r2://lake/orders/#id", type: "DIRECT", subtype: "TRANSFORMATION" }] },
          },
        },
        done: { type: "empty", dependsOn: ["score"] },
      },
    });
    const { runId } = await trigger("declared_only");
    expect((await waitForRun(runId)).status).toBe("success");
    const lineage = await runLineage(runId);
    expect(lineage.tasks.map((t) => t.taskId).sort()).toEqual(["extract", "score"]);
    const score = lineage.tasks.find((t) => t.taskId === "score");
    // `d1://DB/<table>` is read as `d1://<table>`, so declared and derived lineage meet.
    expect(score.outputs).toEqual([{ dataset: "d1://order_scores", rowsChanged: null }]);
    const walk = await api(`/api/lineage/columns?dataset=d1://order_scores&column=score`);
    expect((walk.body.edges as Edge[]).map(line)).toEqual([
      "r2://lake/orders/#id -> d1://order_scores#score DIRECT/TRANSFORMATION by declared_only.score",
      "https://mock.test/orders#order_id -> r2://lake/orders/#id DIRECT/IDENTITY by declared_only.extract",
    ]);
  });

  it("a retried task records only the attempt that succeeded", async () => {
    await registerDag("retried", {
      tasks: {
        load: {
          type: "function",
          function: "fail",
          args: { succeedOnAttempt: 2 },
          retries: { limit: 2, delaySeconds: 0.05, jitter: false },
          datasets: { inputs: ["https://mock.test/feed"], outputs: ["d1://retried_out"] },
        },
      },
    });
    const { runId } = await trigger("retried");
    expect((await waitForRun(runId)).status).toBe("success");
    const lineage = await runLineage(runId);
    expect(lineage.tasks.map((t) => [t.taskId, t.attempt])).toEqual([["load", 2]]);
  });

  it("tasks with no lineage (no datasets, not sql) write no lineage row", async () => {
    await registerDag("no_lineage", { tasks: { a: { type: "function", function: "noop" }, b: { type: "empty", dependsOn: ["a"] } } });
    const { runId } = await trigger("no_lineage");
    expect((await waitForRun(runId)).status).toBe("success");
    const rows = await env.CATALOG.prepare("SELECT count(*) AS n FROM lineage_attempts WHERE run_id = ?").bind(runId).first<{ n: number }>();
    expect(rows?.n).toBe(0);
    const static_ = await env.CATALOG.prepare("SELECT count(*) AS n FROM task_lineage WHERE dag_id = 'no_lineage'").first<{ n: number }>();
    expect(static_?.n).toBe(0);
  });

  it("a statement the parser rejects registers, runs and records table-level lineage with the reason", async () => {
    const reg = await api(`/api/dags/odd_sql`, {
      method: "PUT",
      json: {
        tasks: {
          make: { type: "sql", sql: "CREATE TABLE IF NOT EXISTS odd_in (a INTEGER); INSERT INTO odd_in (a) VALUES (1), (2)" },
          copy: { type: "sql", dependsOn: ["make"], sql: "CREATE TABLE IF NOT EXISTS odd_out (a INTEGER); INSERT INTO odd_out (a) SELECT a FROM (odd_in)" },
        },
      },
    });
    expect(reg.status).toBe(201);
    const { runId } = await trigger("odd_sql");
    expect((await waitForRun(runId)).status).toBe("success");
    const copy = (await runLineage(runId)).tasks.find((t) => t.taskId === "copy");
    expect(copy.inputs).toEqual(["d1://odd_in"]);
    expect(copy.outputs.map((o: any) => o.dataset)).toEqual(["d1://odd_out"]);
    expect(copy.complete).toBe(false);
    expect(copy.reasons.join(" ")).toMatch(/parser rejected/);
  });

  it("two runs of an sql task: one record each, and the later run becomes the columns' last writer", async () => {
    await registerDag("twice", {
      tasks: { load: { type: "sql", sql: "CREATE TABLE IF NOT EXISTS twice_t (n INTEGER); INSERT INTO twice_t (n) SELECT count(*) FROM twice_t" } },
    });
    const first = await trigger("twice", { runKey: "one" });
    await waitForRun(first.runId);
    const second = await trigger("twice", { runKey: "two" });
    await waitForRun(second.runId);
    const walk = await api(`/api/lineage/columns?dataset=d1://twice_t&column=n`);
    expect((walk.body.edges as Edge[]).map((e) => e.runId)).toEqual([second.runId]);
    const rows = await env.CATALOG.prepare("SELECT count(*) AS n FROM lineage_attempts WHERE dag_id = 'twice'").first<{ n: number }>();
    expect(rows?.n).toBe(2);
  });
});

describe("OpenLineage events of failures, retries and cancels", () => {
  async function eventsOf(dagId: string, done: (kinds: string[]) => boolean) {
    return waitFor(async () => {
      const res = await api(`/api/openlineage/events?limit=1000`);
      const mine = (res.body.events as any[]).filter((e) => e.job.name === dagId || e.job.name.startsWith(`${dagId}.`));
      return done(mine.map((e) => `${e.job.name} ${e.eventType}`)) ? mine : undefined;
    }, `${dagId}'s events`);
  }

  it("a failed attempt is a FAIL carrying its error (its START shares its run id), and so is the run", async () => {
    await registerDag("ol_fail", {
      tasks: { flaky: { type: "function", function: "fail", args: { message: "boom", permanent: true } } },
    });
    const { runId } = await trigger("ol_fail");
    expect((await waitForRun(runId)).status).toBe("failed");
    const events = await eventsOf("ol_fail", (k) => k.includes("ol_fail FAIL"));
    for (const e of events) expect(openLineageErrors(e)).toEqual([]);
    const fail = events.find((e) => e.job.name === "ol_fail.flaky" && e.eventType === "FAIL");
    expect(fail.run.facets.errorMessage.message).toContain("boom");
    expect(events.find((e) => e.job.name === "ol_fail.flaky" && e.eventType === "START").run.runId).toBe(fail.run.runId);
  });

  it("a child DAG run's events name the dag task's attempt as parent and the parent run as root", async () => {
    await registerDag("ol_kid", { tasks: { hello: { type: "function", function: "noop" } } });
    await registerDag("ol_parent", { tasks: { spawn: { type: "dag", dagId: "ol_kid" } } });
    const { runId } = await trigger("ol_parent");
    expect((await waitForRun(runId)).status).toBe("success");
    const events = await eventsOf("ol_kid", (k) => k.includes("ol_kid COMPLETE"));
    const start = events.find((e) => e.job.name === "ol_kid" && e.eventType === "START");
    expect(start.run.facets.parent).toMatchObject({ job: { namespace: "switchyard", name: "ol_parent.spawn" }, root: { job: { name: "ol_parent" } } });
    const parentTask = await eventsOf("ol_parent", (k) => k.includes("ol_parent.spawn START"));
    expect(start.run.facets.parent.run.runId).toBe(parentTask.find((e) => e.job.name === "ol_parent.spawn").run.runId);
    for (const e of events) expect(openLineageErrors(e)).toEqual([]);
  });

  it("a cancelled run is an ABORT", async () => {
    await registerDag("ol_cancel", { tasks: { wait: { type: "function", function: "sleep", args: { ms: 5_000 } } } });
    const { runId } = await trigger("ol_cancel");
    await waitFor(async () => ((await api(`/api/runs/${runId}`)).body.tasks[0].status === "running" ? true : undefined), "the task running");
    expect((await api(`/api/runs/${runId}/cancel`, { method: "POST" })).status).toBe(200);
    const events = await eventsOf("ol_cancel", (k) => k.includes("ol_cancel ABORT"));
    expect(events.map((e) => `${e.job.name} ${e.eventType}`)).toEqual(expect.arrayContaining(["ol_cancel START", "ol_cancel.wait ABORT", "ol_cancel ABORT"]));
    for (const e of events) expect(openLineageErrors(e)).toEqual([]);
  });
});

describe("the API's bounds and errors", () => {
  it("bad queries answer 400 naming the field; unknown datasets and runs 404; no token 401", async () => {
    const noColumn = await api(`/api/lineage/columns?dataset=d1://orders_enriched`);
    expect(noColumn.status).toBe(400);
    expect(noColumn.body.error.issues.map((i: any) => i.path)).toEqual(["column"]);
    const badDirection = await api(`/api/lineage/columns?dataset=d1://x&column=a&direction=sideways`);
    expect(badDirection.status).toBe(400);
    expect(badDirection.body.error.issues[0].path).toBe("direction");
    const badDepth = await api(`/api/lineage/datasets/d1://orders_enriched?depth=0`);
    expect(badDepth.status).toBe(400);
    expect(badDepth.body.error.issues[0].path).toBe("depth");
    const badDataset = await api(`/api/lineage/columns?dataset=orders&column=a`);
    expect(badDataset.body.error.issues[0].path).toBe("dataset");
    const typo = await api(`/api/lineage/columns?dataset=d1://x&column=a&dpeth=2`);
    expect(typo.status).toBe(400);
    const badSince = await api(`/api/openlineage/events?since=yesterday`);
    expect(badSince.body.error.issues[0].path).toBe("since");
    const badCursor = await api(`/api/openlineage/events?cursor=nope`);
    expect(badCursor.body.error.issues[0].path).toBe("cursor");
    expect((await api(`/api/lineage/datasets/d1://never_seen`)).status).toBe(404);
    expect((await api(`/api/lineage/columns?dataset=d1://never_seen&column=a`)).status).toBe(404);
    expect((await api(`/api/runs/${"0".repeat(32)}/lineage`)).status).toBe(404);
    expect((await api(`/api/lineage/datasets`, { token: null })).status).toBe(401);
    expect((await api(`/api/openlineage/events`, { token: null })).status).toBe(401);
  });

  it("declared lineage in a spec is validated at registration, naming the field", async () => {
    const res = await api(`/api/dags/bad_lineage`, {
      method: "PUT",
      json: {
        tasks: {
          t: {
            type: "function",
            function: "noop",
            datasets: { inputs: ["d1://a"], outputs: ["d1://b"], columns: { "d1://c#x": [{ from: "d1://a#y", type: "DIRECT", subtype: "FILTER" }] } },
          },
        },
      },
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.issues.map((i: any) => i.path).join(" ");
    expect(paths).toContain("tasks.t.datasets.columns");
  });
});

describe("OpenLineage forwarding (OPENLINEAGE_URL)", () => {
  it("posts the feed's settled events in order to <url>/api/v1/lineage, retrying from the same place after a failure", async () => {
    await registerDag("forwarded", { tasks: { q: { type: "sql", sql: "SELECT 1 AS one" } } });
    const { runId } = await trigger("forwarded");
    await waitForRun(runId);
    await waitFor(async () => {
      const res = await api(`/api/openlineage/events?limit=1000`);
      return (res.body.events as any[]).some((e) => e.job.name === "forwarded" && e.eventType === "COMPLETE") ? true : undefined;
    }, "the run's end in the feed");
    const later = Date.now() + SETTLE_MS + 1_000;
    let down = true;
    const posted: any[] = [];
    const mock = mockHttp(async (req) => {
      if (down) return new Response("unavailable", { status: 503 });
      posted.push(await req.json());
      return new Response(null, { status: 201 });
    });
    restore = mock.restore;
    const withUrl = { ...env, OPENLINEAGE_URL: "https://mock.test/marquez" } as Env;
    expect(await forwardOpenLineage(withUrl, later)).toEqual({ sent: 0, failed: true });
    expect(new URL(mock.calls[0]?.url ?? "").pathname).toBe("/marquez/api/v1/lineage");
    down = false;
    const first = await forwardOpenLineage(withUrl, later);
    expect(first.failed).toBe(false);
    expect(first.sent).toBe(posted.length);
    const mine = posted.filter((e) => e.job.name === "forwarded" || e.job.name === "forwarded.q").map((e) => `${e.job.name} ${e.eventType}`);
    expect(mine).toEqual(["forwarded START", "forwarded.q START", "forwarded.q COMPLETE", "forwarded COMPLETE"]);
    for (const event of posted) expect(openLineageErrors(event)).toEqual([]);
    // Nothing new: nothing sent again.
    expect(await forwardOpenLineage(withUrl, later)).toEqual({ sent: 0, failed: false });
    // Events younger than the settle time wait.
    const fresh = await trigger("forwarded", { runKey: "fresh" });
    await waitForRun(fresh.runId);
    expect((await forwardOpenLineage(withUrl, Date.now())).sent).toBe(0);
  });

  it("does nothing without OPENLINEAGE_URL", async () => {
    expect(await forwardOpenLineage(env)).toEqual({ sent: 0, failed: false });
  });
});

