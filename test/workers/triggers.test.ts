import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../src/events/webhook-signature";
import { recordRunEnded } from "../../src/run/coordinator/run-ended";
import { api, registerDag, trigger, waitFor, waitForRun } from "./helpers";

const SECRET = "test-hook-secret";

/** A notification as Cloudflare sends it. */
function notification(action: string, bucket: string, key: string, extra: Record<string, unknown> = {}) {
  const deleting = action === "DeleteObject" || action === "LifecycleDeletion";
  return {
    account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
    action,
    bucket,
    object: deleting ? { key } : { key, size: 1024, eTag: `etag-${key}` },
    eventTime: "2026-12-01T10:00:00.000Z",
    ...extra,
  };
}

async function sendEvents(bodies: unknown[]) {
  const res = await api("/api/dev/r2-events", { method: "POST", json: bodies });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
}

async function runsOf(dagId: string): Promise<any[]> {
  return (await api(`/api/dags/${dagId}/runs?limit=200`)).body.runs;
}

/** Waits until the DAG has `n` runs, all ended, then a little longer to see that no more come. */
async function settledRuns(dagId: string, n: number): Promise<any[]> {
  await waitFor(async () => {
    const runs = await runsOf(dagId);
    return runs.length >= n && runs.every((r) => ["success", "failed", "cancelled"].includes(r.status)) ? runs : undefined;
  }, `${n} runs of ${dagId}`, 15_000);
  await new Promise((r) => setTimeout(r, 400));
  return runsOf(dagId);
}

const echoTrigger = (args: unknown) => ({ report: { type: "function", function: "echo", args } });

describe("R2 file arrival", () => {
  it("starts exactly one run per object version, with the object in templates; none for other prefixes, suffixes or event types", async () => {
    await registerDag("on_upload", {
      triggers: [{ type: "r2", bucket: "landing", prefix: "in/", suffix: ".csv", events: ["object-create", "object-delete"] }],
      tasks: echoTrigger({ key: "{{ trigger.object.key }}", action: "{{ trigger.object.action }}", eTag: "{{ trigger.object.eTag }}" }),
    });
    await sendEvents([
      notification("PutObject", "landing", "in/a.csv"),
      notification("PutObject", "landing", "in/a.csv"), // the same delivery again
      notification("CopyObject", "landing", "in/b.csv", { copySource: { bucket: "landing", object: "in/a.csv" } }),
      notification("CompleteMultipartUpload", "landing", "in/c.csv"),
      notification("DeleteObject", "landing", "in/a.csv"),
      notification("LifecycleDeletion", "landing", "in/old.csv"),
      notification("PutObject", "landing", "out/a.csv"), // prefix
      notification("PutObject", "landing", "in/a.json"), // suffix
      notification("PutObject", "elsewhere", "in/a.csv"), // bucket
    ]);
    const runs = await settledRuns("on_upload", 5);
    expect(runs).toHaveLength(5);
    const outputs = await Promise.all(runs.map(async (r) => (await api(`/api/runs/${r.runId}`)).body.tasks[0].output));
    expect(outputs.map((o: any) => `${o.action} ${o.key}`).sort()).toEqual([
      "CompleteMultipartUpload in/c.csv",
      "CopyObject in/b.csv",
      "DeleteObject in/a.csv",
      "LifecycleDeletion in/old.csv",
      "PutObject in/a.csv",
    ]);
    expect(runs.every((r) => r.trigger.type === "r2" && r.trigger.detail.object.bucket === "landing")).toBe(true);
  });

  it("a malformed notification is acked and dropped; only object-create by default", async () => {
    await registerDag("on_create_only", { triggers: [{ type: "r2", bucket: "landing-two" }], tasks: echoTrigger("{{ trigger.object.key }}") });
    await env.EVENTS.send({ not: "a notification" });
    await sendEvents([notification("DeleteObject", "landing-two", "x.csv"), notification("PutObject", "landing-two", "y.csv")]);
    const runs = await settledRuns("on_create_only", 1);
    expect(runs.map((r) => r.trigger.detail.object.key)).toEqual(["y.csv"]);
    const bad = await api("/api/dev/r2-events", { method: "POST", json: { action: "PutObject" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: any) => i.path)).toContain("bucket");
  });

  it("a batch window of 2 s gathers three uploads into one run whose mapped task fans out over them", async () => {
    await registerDag("on_many_files", {
      triggers: [{ type: "r2", bucket: "small-files", batch: { windowSeconds: 2, maxObjects: 100 } }],
      tasks: {
        each: { type: "function", function: "echo", args: "{{ item.key }}", map: { over: "trigger.objects" } },
      },
    });
    for (const name of ["one.json", "two.json", "three.json"]) {
      const res = await api(`/api/dev/r2/small-files/batch/${name}`, { method: "PUT", body: JSON.stringify({ name }) });
      expect(res.status).toBe(201);
      expect(res.body.stored).toMatchObject({ bucket: "small-files", key: `batch/${name}` });
    }
    // A repeated delivery of one of them joins nothing twice.
    await sendEvents([{ ...notification("PutObject", "small-files", "batch/one.json"), object: { key: "batch/one.json", size: 16, eTag: (await env.UPLOADS.head("batch/one.json"))?.etag } }]);
    const runs = await settledRuns("on_many_files", 1);
    expect(runs).toHaveLength(1);
    const view = (await api(`/api/runs/${runs[0].runId}`)).body;
    expect(view.trigger.detail.objects.map((o: any) => o.key).sort()).toEqual(["batch/one.json", "batch/three.json", "batch/two.json"]);
    expect(view.tasks.find((t: any) => t.taskId === "each").output.sort()).toEqual(["batch/one.json", "batch/three.json", "batch/two.json"]);
    expect(Date.parse(view.createdAt) - Date.parse(view.trigger.detail.objects[0].eventTime)).toBeGreaterThanOrEqual(1_500);
  });
});

async function signedPost(dagId: string, body: string, opts: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {}) {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = await signWebhook(opts.secret ?? SECRET, ts, body);
  return api(`/hooks/${dagId}`, {
    method: "POST",
    token: null,
    body,
    headers: { "content-type": "application/json", "x-switchyard-timestamp": ts, "x-switchyard-signature": `sha256=${sig}`, ...opts.headers },
  });
}

describe("webhooks", () => {
  it("a signed request starts a run with its body and headers in scope; a replay returns the first run", async () => {
    await registerDag("on_hook", { triggers: [{ type: "webhook", secret: "HOOK_SECRET" }], tasks: echoTrigger({ order: "{{ trigger.body.order }}", source: "{{ trigger.headers['x-source'] }}" }) });
    const body = JSON.stringify({ order: 42 });
    const first = await signedPost("on_hook", body, { headers: { "x-source": "shop" } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const run = await waitForRun(first.body.runId);
    expect(run.tasks[0].output).toEqual({ order: 42, source: "shop" });
    expect(run.trigger.type).toBe("webhook");
    expect(run.trigger.detail.headers["x-switchyard-signature"]).toBeUndefined();
    // The same signed request again (timestamp and signature included): the first run, 200.
    const ts = Math.floor(Date.now() / 1000);
    const a = await signedPost("on_hook", JSON.stringify({ order: 7 }), { timestamp: ts });
    const replay = await signedPost("on_hook", JSON.stringify({ order: 7 }), { timestamp: ts });
    expect([a.status, replay.status]).toEqual([201, 200]);
    expect(replay.body.runId).toBe(a.body.runId);
    // A client's own retry with an Idempotency-Key.
    const k1 = await signedPost("on_hook", JSON.stringify({ order: 8 }), { headers: { "idempotency-key": "order-8" } });
    const k2 = await signedPost("on_hook", JSON.stringify({ order: 8, retry: true }), { headers: { "idempotency-key": "order-8" } });
    expect([k1.status, k2.status]).toEqual([201, 200]);
    expect(k2.body.runId).toBe(k1.body.runId);
  });

  it("tampered body, wrong secret, stale timestamp, no signature, unknown DAG and a DAG without a webhook are 401, and start nothing", async () => {
    await registerDag("hook_guarded", { triggers: [{ type: "webhook", secret: "HOOK_SECRET" }], tasks: echoTrigger(1) });
    await registerDag("hook_none", { tasks: echoTrigger(1) });
    const body = JSON.stringify({ ok: true });
    const ts = String(Math.floor(Date.now() / 1000));
    const good = await signWebhook(SECRET, ts, body);
    const cases = [
      await api("/hooks/hook_guarded", { method: "POST", token: null, body: JSON.stringify({ ok: false }), headers: { "x-switchyard-timestamp": ts, "x-switchyard-signature": `sha256=${good}` } }),
      await signedPost("hook_guarded", body, { secret: "not-the-secret" }),
      await signedPost("hook_guarded", body, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await api("/hooks/hook_guarded", { method: "POST", token: null, body }),
      await signedPost("hook_nope_never", body),
      await signedPost("hook_none", body),
    ];
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
    expect(await runsOf("hook_guarded")).toHaveLength(0);
    const big = await signedPost("hook_guarded", JSON.stringify({ pad: "x".repeat(1_048_600) }));
    expect(big.status).toBe(413);
  });

  it("a webhook trigger naming a secret the Worker lacks is refused at registration", async () => {
    const res = await api("/api/dags/hook_bad_secret", { method: "PUT", json: { triggers: [{ type: "webhook", secret: "NO_SUCH_SECRET" }], tasks: echoTrigger(1) } });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0]).toMatchObject({ path: "triggers[0].secret" });
  });
});

describe("upstream DAGs", () => {
  it("B runs once when A succeeds (with A's logical date), not when A fails; RunEnded twice starts B once", async () => {
    await registerDag("up_a", { params: { fail: { type: "boolean", default: false } }, tasks: { work: { type: "function", function: "fail", when: "params.fail" } } });
    await registerDag("down_b", { triggers: [{ type: "dag", dagId: "up_a" }], tasks: echoTrigger({ upstream: "{{ trigger.upstream.runId }}", ds: "{{ ds }}" }) });
    const ok = await api("/api/dags/up_a/runs", { method: "POST", json: { logicalDate: "2026-11-20" } });
    expect((await waitForRun(ok.body.runId)).status).toBe("success");
    const failing = await trigger("up_a", { params: { fail: true } });
    expect((await waitForRun(failing.runId)).status).toBe("failed");
    const runs = await settledRuns("down_b", 1);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ logicalDate: "2026-11-20T00:00:00.000Z", trigger: { type: "upstream", detail: { upstream: { dagId: "up_a", runId: ok.body.runId, status: "success" } } } });
    const view = (await api(`/api/runs/${runs[0].runId}`)).body;
    expect(view.tasks[0].output).toEqual({ upstream: ok.body.runId, ds: "2026-11-20" });
    // The same RunEnded delivered again (at least once): still one run of B.
    await recordRunEnded({ env, catalog: env.CATALOG, flushWith: async (s) => void (await env.CATALOG.batch(s)) }, {
      type: "RunEnded",
      eventId: `${ok.body.runId}:1`,
      runId: ok.body.runId,
      dagId: "up_a",
      dagVersion: 1,
      status: "success",
      trigger: { type: "api" },
      logicalDate: "2026-11-20T00:00:00.000Z",
      startedAt: null,
      endedAt: Date.now(),
      datasetsWritten: [],
    });
    expect(await settledRuns("down_b", 1)).toHaveLength(1);
  });

  it("two upstream runs ending together start two downstream runs, one each", async () => {
    await registerDag("up_twin", { tasks: { work: { type: "function", function: "noop" } } });
    await registerDag("down_twin", { triggers: [{ type: "dag", dagId: "up_twin" }], tasks: echoTrigger("{{ trigger.upstream.runId }}") });
    const [a, b] = await Promise.all([trigger("up_twin"), trigger("up_twin")]);
    await Promise.all([waitForRun(a.runId), waitForRun(b.runId)]);
    const runs = await settledRuns("down_twin", 2);
    expect(runs.map((r) => r.trigger.detail.upstream.runId).sort()).toEqual([a.runId, b.runId].sort());
  });

  it("an unknown upstream DAG and a cycle of DAG triggers are refused with their path", async () => {
    const unknown = await api("/api/dags/cyc_x", { method: "PUT", json: { triggers: [{ type: "webhook", secret: "HOOK_SECRET" }, { type: "dag", dagId: "nope" }], tasks: echoTrigger(1) } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues).toEqual([{ path: "triggers[1].dagId", message: "unknown DAG 'nope'" }]);
    await registerDag("cyc_a", { tasks: echoTrigger(1) });
    await registerDag("cyc_b", { triggers: [{ type: "dag", dagId: "cyc_a" }], tasks: echoTrigger(1) });
    const cycle = await api("/api/dags/cyc_a", { method: "PUT", json: { triggers: [{ type: "dag", dagId: "cyc_b" }], tasks: echoTrigger(1) } });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.issues[0]).toEqual({ path: "triggers[0].dagId", message: "cycle of DAG triggers: cyc_b → cyc_a → cyc_b" });
    const self = await api("/api/dags/cyc_c", { method: "PUT", json: { triggers: [{ type: "dag", dagId: "cyc_c" }], tasks: echoTrigger(1) } });
    expect(self.status).toBe(400);
  });
});

describe("datasets", () => {
  const producer = (uri: string) => ({ tasks: { write: { type: "function", function: "echo", args: { extra: { rows: 3 } }, datasets: { outputs: [uri] } } } });

  it("mode all runs once both datasets were updated, with every update it consumed; any runs per update", async () => {
    await registerDag("ds_orders", producer("d1://ds_orders"));
    await registerDag("ds_users", producer("d1://DB/ds_users"));
    await registerDag("ds_all", { triggers: [{ type: "datasets", datasets: ["d1://ds_orders", "d1://ds_users"], mode: "all" }], tasks: echoTrigger("{{ size(trigger.events) }}") });
    await registerDag("ds_any", { triggers: [{ type: "datasets", datasets: ["d1://ds_orders"], mode: "any" }], tasks: echoTrigger("{{ trigger.events[0].uri }}") });
    for (let i = 0; i < 2; i++) expect((await waitForRun((await trigger("ds_orders")).runId)).status).toBe("success");
    await new Promise((r) => setTimeout(r, 500));
    expect(await runsOf("ds_all")).toHaveLength(0);
    expect((await waitForRun((await trigger("ds_users")).runId)).status).toBe("success");
    const all = await settledRuns("ds_all", 1);
    expect(all).toHaveLength(1);
    const view = (await api(`/api/runs/${all[0].runId}`)).body;
    expect(view.trigger.type).toBe("dataset");
    expect(view.trigger.detail.events.map((e: any) => e.uri)).toEqual(["d1://ds_orders", "d1://ds_orders", "d1://ds_users"]);
    expect(view.tasks[0].output).toBe(3);
    expect(await settledRuns("ds_any", 2)).toHaveLength(2);
    const listed = (await api("/api/datasets")).body.datasets.find((d: any) => d.uri === "d1://ds_orders");
    expect(listed).toMatchObject({ events: 2, producers: [{ dagId: "ds_orders", taskId: "write" }] });
    expect(listed.consumers.sort()).toEqual(["ds_all", "ds_any"]);
    const events = (await api(`/api/datasets/${encodeURIComponent("d1://ds_orders")}/events`)).body.events;
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ dagId: "ds_orders", taskId: "write", extra: { rows: 3 } });
  });

  it("a DAG registered after updates sees only updates from then on", async () => {
    await registerDag("ds_early", producer("d1://ds_early"));
    expect((await waitForRun((await trigger("ds_early")).runId)).status).toBe("success");
    await new Promise((r) => setTimeout(r, 300));
    await registerDag("ds_late", { triggers: [{ type: "datasets", datasets: ["d1://ds_early"] }], tasks: echoTrigger(1) });
    await new Promise((r) => setTimeout(r, 300));
    expect(await runsOf("ds_late")).toHaveLength(0);
    expect((await waitForRun((await trigger("ds_early")).runId)).status).toBe("success");
    expect(await settledRuns("ds_late", 1)).toHaveLength(1);
  });
});

describe("event runs and maxActiveRuns", () => {
  it("event runs beyond maxActiveRuns wait as queued and start in event order", async () => {
    await registerDag("hook_limited", { maxActiveRuns: 1, triggers: [{ type: "webhook", secret: "HOOK_SECRET" }], tasks: { work: { type: "function", function: "sleep", args: { ms: 300 } } } });
    const answers = [];
    for (let n = 1; n <= 3; n++) answers.push(await signedPost("hook_limited", JSON.stringify({ n })));
    expect(answers.map((a) => [a.status, a.body.status])).toEqual([[201, "running"], [201, "queued"], [201, "queued"]]);
    const runs = await Promise.all(answers.map((a) => waitForRun(a.body.runId)));
    expect(runs.map((r) => r.status)).toEqual(["success", "success", "success"]);
    expect(Date.parse(runs[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[0].endedAt));
    expect(Date.parse(runs[2].startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[1].endedAt));
  });
});

describe("paused DAGs", () => {
  it("keep: events that arrive while paused start their runs on unpause; drop: they don't", async () => {
    for (const [dagId, onPausedEvents] of [["paused_keep", "keep"], ["paused_drop", "drop"]] as const) {
      await registerDag(dagId, { onPausedEvents, triggers: [{ type: "webhook", secret: "HOOK_SECRET" }], tasks: echoTrigger("{{ trigger.body.n }}") });
      await api(`/api/dags/${dagId}/pause`, { method: "POST" });
      const a = await signedPost(dagId, JSON.stringify({ n: 1 }));
      const b = await signedPost(dagId, JSON.stringify({ n: 2 }));
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(await runsOf(dagId)).toHaveLength(0);
      const status = (await api(`/api/dags/${dagId}`)).body;
      expect(status.pausedEvents).toBe(onPausedEvents === "keep" ? 2 : 0);
      await api(`/api/dags/${dagId}/unpause`, { method: "POST" });
    }
    const kept = await settledRuns("paused_keep", 2);
    const outputs = await Promise.all(kept.map(async (r) => (await api(`/api/runs/${r.runId}`)).body.tasks[0].output));
    expect(outputs.sort()).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runsOf("paused_drop")).toHaveLength(0);
  });
});
