// Workloads: the DAGs and how each is timed.
import { performance } from "node:perf_hooks";
import { sleep, rssSampler } from "./procs.mjs";

/** A DAG as task names + deps[i] = indices task i waits for (listed in topological order). */
function chain(n) {
  const names = Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, "0")}`);
  return { names, deps: names.map((_, i) => (i === 0 ? [] : [i - 1])) };
}
function fanout(n) {
  const names = ["start", ...Array.from({ length: n }, (_, i) => `f${String(i).padStart(4, "0")}`), "join"];
  const deps = [[], ...Array.from({ length: n }, () => [0]), Array.from({ length: n }, (_, i) => i + 1)];
  return { names, deps };
}
const diamondDag = () => ({ names: ["a", "b", "c", "d"], deps: [[], [0], [0], [1, 2]] });

export function workloads(quick) {
  const q = quick;
  const chainN = q ? 20 : 100;
  const fanN = q ? 100 : 1000;
  const diamondRuns = q ? 5 : 50;
  const runsN = q ? 20 : 200;
  const backfillN = q ? 50 : 1000;
  return [
    { key: "chain", label: `chain-${chainN}`, kind: "single", dag: chain(chainN), tasks: chainN, pollMs: 5 },
    { key: "fanout", label: `fanout-${fanN}`, kind: "single", dag: fanout(fanN), tasks: fanN + 2, pollMs: 20, rss: true },
    { key: "diamond", label: `diamond-x${diamondRuns}`, kind: "sequence", dag: diamondDag(), runs: diamondRuns, pollMs: 5 },
    // 5-task chain a -> b -> c -> d -> e, N runs started at once
    { key: "runs", label: `runs-${runsN}`, kind: "concurrent", dag: { names: ["a", "b", "c", "d", "e"], deps: [[], [0], [1], [2], [3]] }, runs: runsN, pollMs: 100 },
    // Switchyard only (a series whose client can take events): N R2 notifications, one at a time, each starting a run.
    { key: "events", label: `events-${q ? 10 : 100}`, kind: "events", dag: { names: ["first"], deps: [[]] }, events: q ? 10 : 100, pollMs: 20 },
    // Switchyard only (a series whose client can backfill): a backfill over N daily dates of a one-task DAG.
    { key: "backfill", label: `backfill-${backfillN}`, kind: "backfill", dag: { names: ["a"], deps: [[]] }, dates: backfillN, pollMs: 20 },
  ];
}

export const WORKLOAD_ALIASES = { "chain-100": "chain", "fanout-1000": "fanout", "runs-200": "runs", "backfill-1000": "backfill", "events-100": "events", events: "events", lineage: "lineage", "lineage-walk": "lineage", chain: "chain", fanout: "fanout", diamond: "diamond", runs: "runs", backfill: "backfill" };

class RunFailed extends Error {}

/**
 * Start a run. wrangler dev answers 503 "Your worker restarted mid-request" when the
 * runtime restarts under a request, and asks for a retry (it retries only GET/HEAD
 * itself); we retry twice and count it, so it shows in the results.
 */
async function startRun(client, handle, counter) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.start(handle);
    } catch (e) {
      if (attempt >= 2 || e.status !== 503 || !/restarted mid-request/i.test(e.message)) throw e;
      if (counter) counter.retries++;
      await sleep(100);
    }
  }
}

/** Start one run and poll until it is done; outside time from node, inside from the Worker. */
async function timedRun(client, handle, pollMs, timeoutMs, counter) {
  const t0 = performance.now();
  const id = await startRun(client, handle, counter);
  let s;
  for (;;) {
    s = await client.status(id);
    if (s.done) break;
    if (performance.now() - t0 > timeoutMs) throw new RunFailed(`run ${id} not done after ${timeoutMs / 1000}s (${s.detail})`);
    await sleep(pollMs);
  }
  const outside = performance.now() - t0;
  if (!s.ok) throw new RunFailed(`run ${id} ended not ok (${s.detail})`);
  const inside = s.endedAt != null && s.startedAt != null ? s.endedAt - s.startedAt : null;
  const insideCreated = s.endedAt != null && s.createdAt != null ? s.endedAt - s.createdAt : null;
  return { id, outside, inside, insideCreated, status: s };
}

/** Untimed sanity check where the system offers one (Workflows' instance.status()). */
async function verifyRun(client, id, timeoutMs = 30_000) {
  if (!client.verify) return;
  const t0 = performance.now();
  for (;;) {
    const v = await client.verify(id);
    if (v.ok) return;
    if (!v.pending || performance.now() - t0 > timeoutMs) throw new RunFailed(`run ${id} verify: ${v.detail}`);
    await sleep(100);
  }
}

async function pool(items, limit, fn) {
  let i = 0;
  const out = new Array(items.length);
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) {
        const k = i++;
        out[k] = await fn(items[k], k);
      }
    }),
  );
  return out;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
export const median = (xs) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Run one workload on one series. Returns a flat metrics object (ms, MB, runs/s).
 * `inst` is the wrangler dev instance (for RSS), `client` the series' client.
 */
export async function runWorkload(w, inst, client, { timeoutMs }) {
  const handle = await client.prepare(w.key, w.dag);
  const counter = { retries: 0 };
  const m = await measure(w, inst, client, handle, timeoutMs, counter).catch((e) => {
    if (counter.retries) e.message += ` (${counter.retries} start request(s) retried after a worker restart)`;
    throw e;
  });
  m.start_retries = counter.retries;
  return m;
}

async function measure(w, inst, client, handle, timeoutMs, counter) {
  if (w.kind === "events") {
    // Event → run latency: the notification's eventTime (stamped as it is handed to the events queue)
    // to the moment the run's first task started on a worker, one event at a time.
    const h = await client.prepareEvents(w.key);
    const t0 = performance.now();
    for (let i = 0; i < w.events; i++) {
      await client.sendEvent(h, i);
      await sleep(w.pollMs);
    }
    let runs = [];
    for (;;) {
      runs = await client.eventRuns(h);
      if (runs.length >= w.events && runs.every((r) => r.status === "success" || r.status === "failed")) break;
      if (performance.now() - t0 > timeoutMs) throw new RunFailed(`only ${runs.length}/${w.events} event runs done`);
      await sleep(100);
    }
    const lat = [];
    for (const r of runs) {
      const view = await client.runView(r.runId);
      const started = Date.parse(view.tasks[0].startedAt);
      lat.push(started - Date.parse(r.trigger.detail.object.eventTime));
    }
    if (runs.some((r) => r.status !== "success")) throw new RunFailed("an event run failed");
    return { events: w.events, p50_ms: pct(lat, 50), p95_ms: pct(lat, 95), max_ms: Math.max(...lat) };
  }
  if (w.kind === "backfill") {
    // The answer (every date planned), then until every date's run exists (created as capacity allows:
    // the backfill's maxActiveRuns is the number of dates), then until every run ended.
    const t0 = performance.now();
    const id = await client.backfill(handle, w.dates);
    const answered = performance.now() - t0;
    let created;
    for (;;) {
      const b = await client.backfillStatus(id);
      if (created === undefined && (b.counts.pending ?? 0) === 0) created = performance.now() - t0;
      if (b.status !== "running") {
        if (b.status !== "success") throw new RunFailed(`backfill ${id} ended ${b.status}: ${JSON.stringify(b.counts)}`);
        const done = performance.now() - t0;
        return { dates: w.dates, answer_ms: answered, created_ms: created ?? done, created_per_s: (w.dates / (created ?? done)) * 1000, done_ms: done, done_per_s: (w.dates / done) * 1000 };
      }
      if (performance.now() - t0 > timeoutMs) throw new RunFailed(`backfill ${id} still running after ${timeoutMs} ms: ${JSON.stringify(b.counts)}`);
      await sleep(w.pollMs);
    }
  }

  if (w.kind === "single") {
    const sampler = w.rss ? await rssSampler(inst.pid, 50) : null;
    let r;
    let rss;
    try {
      r = await timedRun(client, handle, w.pollMs, timeoutMs, counter);
    } finally {
      rss = sampler?.stop();
    }
    await verifyRun(client, r.id);
    const m = { wall_ms: r.outside, inside_ms: r.inside, inside_from_created_ms: r.insideCreated };
    if (w.key === "chain") {
      m.per_task_ms = r.outside / w.tasks;
      m.per_task_inside_ms = r.inside != null ? r.inside / w.tasks : null;
    }
    if (rss) {
      m.rss_baseline_mb = rss.baseline / 2 ** 20;
      m.rss_peak_mb = rss.peak / 2 ** 20;
      m.rss_growth_mb = (rss.peak - rss.baseline) / 2 ** 20;
      m.workerd_procs = rss.pids;
    }
    return m;
  }

  if (w.kind === "sequence") {
    const outs = [];
    const ins = [];
    let last;
    for (let i = 0; i < w.runs; i++) {
      const r = await timedRun(client, handle, w.pollMs, timeoutMs, counter);
      outs.push(r.outside);
      if (r.inside != null) ins.push(r.inside);
      last = r.id;
    }
    await verifyRun(client, last);
    return {
      p50_ms: pct(outs, 50),
      p95_ms: pct(outs, 95),
      p50_inside_ms: ins.length ? pct(ins, 50) : null,
      p95_inside_ms: ins.length ? pct(ins, 95) : null,
    };
  }

  // concurrent: N runs started at once. The bench waits for them in the order they were started,
  // eight at a time: each of 8 pollers takes the oldest run nobody watches yet and polls it every
  // pollMs until it is done. The observer's load stays bounded (8 requests in flight at most, and a
  // run found done is not asked again) and it notices the last run within about one poll.
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: w.runs }, () => startRun(client, handle, counter)));
  const final = new Array(ids.length);
  let lastDone = t0;
  await pool(ids, 8, async (id, i) => {
    for (;;) {
      if (performance.now() - t0 > timeoutMs) return;
      const s = await client.status(id);
      if (s.done) {
        final[i] = s;
        lastDone = Math.max(lastDone, performance.now());
        return;
      }
      await sleep(w.pollMs);
    }
  });
  const pending = new Set(ids.map((_, i) => i).filter((i) => !final[i]));
  const wall = lastDone - t0;
  const ok = final.filter((s) => s?.ok).length;
  const done = final.filter(Boolean);
  const first = Math.min(...done.map((s) => s.createdAt ?? s.startedAt).filter((x) => x != null));
  const lastEnd = Math.max(...done.map((s) => s.endedAt).filter((x) => x != null));
  const insideSpan = Number.isFinite(first) && Number.isFinite(lastEnd) ? lastEnd - first : null;
  const lat = done.filter((s) => s.endedAt != null && s.startedAt != null).map((s) => s.endedAt - s.startedAt);
  // spot-check a few runs where the system has a slower authoritative status
  if (client.verify) await pool(ids.slice(-3), 1, (id) => verifyRun(client, id));
  const m = {
    runs: w.runs,
    ok_runs: ok,
    wall_ms: wall,
    runs_per_s: (ok / wall) * 1000,
    inside_span_ms: insideSpan,
    runs_per_s_inside: insideSpan ? (ok / insideSpan) * 1000 : null,
    run_p50_inside_ms: lat.length ? pct(lat, 50) : null,
    run_p95_inside_ms: lat.length ? pct(lat, 95) : null,
  };
  if (ok !== w.runs) {
    const err = new RunFailed(`only ${ok}/${w.runs} runs succeeded (${pending.size} not done in time)`);
    err.metrics = m;
    throw err;
  }
  return m;
}

/** A small throwaway run so the first measured run doesn't pay for cold code paths. */
export async function warmUp(client, timeoutMs) {
  const handle = await client.prepare("warmup", diamondDag());
  for (let i = 0; i < 2; i++) await timedRun(client, handle, 5, timeoutMs);
}
