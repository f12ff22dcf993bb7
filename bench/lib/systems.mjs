// The systems under test and their HTTP clients.
//
// A system starts one fresh `wrangler dev` (per repetition) and offers one or more
// "series" (a series = a system + task mode, e.g. switchyard/control). Each series has
// a client with:
//   prepare(key, dag)  -> handle   (once per workload per instance; e.g. PUT the DAG)
//   start(handle)      -> id       (start one run)
//   status(id)         -> { done, ok, createdAt, startedAt, endedAt, detail }  (ms epoch, Worker clock)
//   verify?(id)        -> { ok, detail }  (untimed extra check after a run finished)
import { join } from "node:path";
import { existsSync } from "node:fs";
import { ROOT, startWranglerDev, runWrangler, makeTempDir, snapshotProject, snapshotRef } from "./procs.mjs";

export const API_TOKEN = "bench-token";

async function call(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!r.ok) {
    const err = new Error(`${method} ${new URL(url).pathname} -> ${r.status}: ${text.slice(0, 300)}`);
    err.status = r.status;
    throw err;
  }
  return json;
}

const ms = (iso) => (iso == null ? null : typeof iso === "number" ? iso : Date.parse(iso));

// ---- the floor: one Worker, three variants --------------------------------------------

function floorSystem(variant) {
  return {
    name: `floor-${variant}`,
    series: [{ label: `floor-${variant}`, mode: "dispatched" }],
    async launch() {
      return startWranglerDev({ name: `floor-${variant}`, config: join(ROOT, "bench/peers/floor/wrangler.toml") });
    },
    client(inst) {
      return {
        prepare: async (_key, dag) => dag,
        start: async (dag) => (await call("POST", `${inst.url}/run`, { variant, deps: dag.deps })).id,
        status: async (id) => {
          const s = await call("GET", `${inst.url}/run/${id}`);
          return { done: s.done, ok: s.ok, createdAt: s.startedAt, startedAt: s.startedAt, endedAt: s.endedAt, detail: `${s.completed}/${s.total}` };
        },
      };
    },
  };
}

// ---- Cloudflare Workflows ---------------------------------------------------------------

function workflowsSystem() {
  return {
    name: "workflows",
    series: [{ label: "workflows", mode: "dispatched" }],
    async launch() {
      return startWranglerDev({ name: "workflows", config: join(ROOT, "bench/peers/workflows/wrangler.toml") });
    },
    client(inst) {
      return {
        prepare: async (_key, dag) => dag,
        start: async (dag) => (await call("POST", `${inst.url}/run`, { deps: dag.deps })).id,
        status: async (id) => {
          const s = await call("GET", `${inst.url}/run/${id}`);
          return { done: s.done, ok: s.ok, createdAt: s.createdAt ?? null, startedAt: s.startedAt ?? null, endedAt: s.endedAt ?? null, detail: "" };
        },
        // instance.status() is slow under load: only called after the timed part.
        verify: async (id) => {
          const s = await call("GET", `${inst.url}/run/${id}?verify=1`);
          return { ok: s.status === "complete", pending: s.status === "running" || s.status === "queued", detail: s.status };
        },
      };
    },
  };
}

// ---- Switchyard, through its public HTTP API ---------------------------------------------

// The dispatched no-op: a function task that returns at once, run by a worker like real work. NOOP
// declares a 10 s timeout, as a quick task in a real DAG would: that lets the trigger's request run a
// run's first tasks. NOOP_DEFAULT is the task as a user writes it without one (the default 300 s is
// longer than the trigger's request may keep working, so a run's first tasks start through the queue).
const NOOP = { type: "function", function: "noop", timeoutSeconds: 10 };
const NOOP_DEFAULT = { type: "function", function: "noop" };
const TASK_BY_MODE = { control: { type: "empty" }, dispatched: NOOP, "dispatched-default": NOOP_DEFAULT };

/**
 * `baseRef`: run the project as committed at that git ref instead of the working tree (the
 * `switchyard-base` system, for before/after comparisons within one bench run).
 */
/**
 * Registers a bench DAG. Its runs are not limited by `maxActiveRuns` (default 16, like Airflow's
 * `max_active_runs_per_dag`): runs-200 measures orchestration overhead with 200 runs at once, as
 * a user who wants that would configure it. A base commit older than the field is sent the DAG
 * without it.
 */
async function registerBenchDag(inst, dagId, spec, auth) {
  try {
    await call("PUT", `${inst.url}/api/dags/${dagId}`, { ...spec, maxActiveRuns: 10_000 }, auth);
  } catch (e) {
    if (e.status !== 400 || !/maxActiveRuns/.test(e.message)) throw e;
    await call("PUT", `${inst.url}/api/dags/${dagId}`, spec, auth);
  }
}

function switchyardSystem(continuation, baseRef) {
  const name = baseRef ? "switchyard-base" : continuation === "on" ? "switchyard" : "switchyard-nocont";
  // Continuation only matters for dispatched tasks; control tasks run in the coordinator. With it off,
  // a task's timeout changes nothing (every task starts through the queue): one dispatched series.
  const series =
    continuation === "on"
      ? [
          { label: `${name}/control`, mode: "control" },
          { label: `${name}/dispatched`, mode: "dispatched" },
          { label: `${name}/dispatched-default`, mode: "dispatched-default" },
          // fanout-1000 as one task mapped over a 1,000-item list computed at run time.
          { label: `${name}/mapped`, mode: "mapped", only: ["fanout"] },
        ]
      : [{ label: "switchyard-nocont/dispatched", mode: "dispatched" }];
  return {
    name,
    series,
    async launch() {
      if (!existsSync(join(ROOT, "src/index.ts"))) {
        throw new Error(`${name}: src/index.ts does not exist yet (Switchyard's Worker is not built); run with --systems without switchyard`);
      }
      const dir = await makeTempDir(name);
      // A frozen copy: edits to src/ can't restart it mid-run.
      const app = baseRef ? snapshotRef(dir, baseRef) : snapshotProject(dir);
      const state = join(dir, "state");
      await runWrangler(["d1", "migrations", "apply", "CATALOG", "--local", "--persist-to", state], {
        cwd: app,
        logFile: join(dir, "migrations.log"),
      });
      return startWranglerDev({ name, cwd: app, persistDir: dir, stateDir: state, vars: { API_TOKEN, CONTINUATION: continuation, DEV_TOOLS: "on" } });
    },
    client(inst, mode) {
      const auth = { authorization: `Bearer ${API_TOKEN}` };
      return {
        async prepare(key, dag) {
          const dagId = `bench-${key}-${mode}`;
          if (mode === "mapped" && key === "fanout") {
            const n = dag.names.length - 2;
            const mapped = {
              start: { type: "function", function: "range", args: { n } },
              each: { ...NOOP, dependsOn: ["start"], map: { over: "tasks.start.output" } },
              join: { type: "empty", dependsOn: ["each"] },
            };
            await registerBenchDag(inst, dagId, { tasks: mapped }, auth);
            return dagId;
          }
          const tasks = {};
          dag.names.forEach((n, i) => {
            const t = { ...(TASK_BY_MODE[mode] ?? NOOP) }; // mapped mode: as dispatched
            if (dag.deps[i].length) t.dependsOn = dag.deps[i].map((d) => dag.names[d]);
            tasks[n] = t;
          });
          await registerBenchDag(inst, dagId, { tasks }, auth);
          return dagId;
        },
        start: async (dagId) => (await call("POST", `${inst.url}/api/dags/${dagId}/runs`, {}, auth)).runId,
        // Backfills: control tasks (a run ends inside its own creation) and dispatched ones (its task
        // goes to the queue: creation is measured apart from running).
        ...(mode === "control" || mode === "dispatched"
          ? {
              async backfill(dagId, dates) {
                const to = new Date(Date.now() - 86_400_000);
                const from = new Date(to.getTime() - (dates - 1) * 86_400_000);
                const day = (d) => d.toISOString().slice(0, 10);
                return (await call("POST", `${inst.url}/api/dags/${dagId}/backfills`, { from: day(from), to: day(to), reprocess: "all", maxActiveRuns: dates }, auth)).backfillId;
              },
              backfillStatus: (id) => call("GET", `${inst.url}/api/backfills/${id}`, undefined, auth),
            }
          : {}),
        // Event triggers (dispatched tasks: the latency ends when the run's first task started on a worker).
        ...(mode === "dispatched"
          ? {
              async prepareEvents(key) {
                const dagId = `bench-${key}-${mode}`;
                await call("PUT", `${inst.url}/api/dags/${dagId}`, { triggers: [{ type: "r2", bucket: `bench-${key}` }], tasks: { first: NOOP } }, auth);
                return { dagId, bucket: `bench-${key}` };
              },
              sendEvent: (h, i) =>
                call("POST", `${inst.url}/api/dev/r2-events`, { account: "bench", action: "PutObject", bucket: h.bucket, object: { key: `in/${Date.now()}-${i}.csv`, size: 1, eTag: `e-${Date.now()}-${i}` }, eventTime: new Date().toISOString() }, auth),
              eventRuns: async (h) => (await call("GET", `${inst.url}/api/dags/${h.dagId}/runs?limit=500`, undefined, auth)).runs,
              runView: (runId) => call("GET", `${inst.url}/api/runs/${runId}`, undefined, auth),
            }
          : {}),
        async status(id) {
          const s = await call("GET", `${inst.url}/api/runs/${id}?tasks=false`, undefined, auth);
          const done = s.status === "success" || s.status === "failed" || s.status === "cancelled";
          return { done, ok: s.status === "success", createdAt: ms(s.createdAt), startedAt: ms(s.startedAt), endedAt: ms(s.endedAt), detail: s.status };
        },
      };
    },
  };
}

export const ALL_SYSTEMS = {
  switchyard: () => switchyardSystem("on"),
  // The committed project at BENCH_BASE_REF (default HEAD), next to the working tree: `--systems switchyard,switchyard-base`.
  "switchyard-base": () => switchyardSystem("on", process.env.BENCH_BASE_REF || "HEAD"),
  "switchyard-nocont": () => switchyardSystem("off"),
  workflows: workflowsSystem,
  "floor-queue": () => floorSystem("queue"),
  "floor-continuation": () => floorSystem("continuation"),
  "floor-inline": () => floorSystem("inline"),
};
