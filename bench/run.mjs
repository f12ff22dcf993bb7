#!/usr/bin/env node
// Switchyard benchmark: orchestration overhead of Switchyard vs Cloudflare Workflows and
// a minimal Durable Object + Queue "floor", all on the same local workerd, with tasks that
// do nothing. See bench/README.md.
//
//   node bench/run.mjs [--workload chain-100,fanout-1000,diamond,runs-200] [--repeat 5]
//                      [--quick] [--systems switchyard,switchyard-nocont,workflows,
//                                  floor-queue,floor-continuation,floor-inline]
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { execFileSync, spawnSync } from "node:child_process";
import { ROOT, killAllSync, removeTempDirsSync, waitForQuiet } from "./lib/procs.mjs";
import { ALL_SYSTEMS } from "./lib/systems.mjs";
import { workloads as allWorkloads, WORKLOAD_ALIASES, runWorkload, warmUp, median } from "./lib/workloads.mjs";
import { evaluateTargets } from "./lib/targets.mjs";

// ---- arguments ----------------------------------------------------------------------------

const USAGE = `usage: node bench/run.mjs [options]
  --workload LIST   comma list of chain-100, fanout-1000, diamond, runs-200 (default: all)
  --repeat N        repetitions, each on fresh wrangler dev instances (default: 5; --quick: 1)
  --quick           scaled-down smoke run (chain-20, fanout-100, diamond x5, runs-20)
  --systems LIST    comma list of ${Object.keys(ALL_SYSTEMS).join(", ")}
                    (default: all but switchyard-base, the project committed at BENCH_BASE_REF, default HEAD)
  --timeout SEC     per-run timeout (default: 180; --quick: 30)
  --out FILE        JSON output path (default: bench/results/<time>.json)`;

function parseArgs(argv) {
  // switchyard-base (the committed project next to the working tree) runs only when asked for.
  const o = { quick: false, repeat: null, systems: Object.keys(ALL_SYSTEMS).filter((s) => s !== "switchyard-base"), workloads: null, timeout: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, null];
    const val = () => {
      const v = inline ?? argv[++i];
      if (v == null) fail(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case "--quick": o.quick = true; break;
      case "--repeat": o.repeat = Number(val()); break;
      case "--systems": o.systems = val().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--workload": case "--workloads": o.workloads = val().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--timeout": o.timeout = Number(val()); break;
      case "--out": o.out = val(); break;
      case "-h": case "--help": console.log(USAGE); process.exit(0);
      default: fail(`unknown argument ${a}\n${USAGE}`);
    }
  }
  for (const s of o.systems) if (!ALL_SYSTEMS[s]) fail(`unknown system "${s}"; known: ${Object.keys(ALL_SYSTEMS).join(", ")}`);
  if (o.workloads) {
    for (const w of o.workloads) if (!WORKLOAD_ALIASES[w]) fail(`unknown workload "${w}"; known: chain-100, fanout-1000, diamond, runs-200, backfill-1000, events-100`);
    o.workloads = o.workloads.map((w) => WORKLOAD_ALIASES[w]);
  }
  o.repeat ??= o.quick ? 1 : 5;
  if (!(Number.isInteger(o.repeat) && o.repeat > 0)) fail("--repeat must be a positive integer");
  o.timeout = (o.timeout ?? (o.quick ? 30 : 180)) * 1000;
  return o;
}

function fail(msg, code = 2) {
  console.error(`bench: ${msg}`);
  cleanup();
  process.exit(code);
}

let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  killAllSync("SIGKILL");
  removeTempDirsSync();
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping wrangler dev instances`);
    cleanup();
    process.exit(130);
  });
}

// ---- main ---------------------------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
const systems = opts.systems.map((s) => ALL_SYSTEMS[s]());
const workloads = allWorkloads(opts.quick).filter((w) => !opts.workloads || opts.workloads.includes(w.key));
const seriesLabels = systems.flatMap((s) => s.series.map((x) => x.label));

const fmt = (x, d = 1) => (x == null || !Number.isFinite(x) ? "-" : x.toFixed(d));
const log = (...a) => console.log(...a);

const raw = []; // { rep, workload, series, metrics } | { ..., error }
const problems = [];
let startFailures = 0;
const tStart = Date.now();

log(`switchyard bench: ${opts.quick ? "quick, " : ""}${opts.repeat} repetition(s); systems ${opts.systems.join(", ")}; workloads ${workloads.map((w) => w.label).join(", ")}`);

async function launchAll(rep) {
  // Two at a time: startup (bundling, workerd boot) is CPU-bound and the bench targets small
  // machines; startup time is not measured.
  const up = new Array(systems.length);
  let next = 0;
  const worker = async () => {
    while (next < systems.length) {
      const i = next++;
      const sys = systems[i];
      // A wrangler dev that exits during startup (a port taken between picking and binding it, a
      // slow machine) is started again, up to 3 times; a build failure is not retried.
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const inst = await sys.launch();
          log(`  [rep ${rep}] ${sys.name} ready on ${inst.url} in ${(inst.startupMs / 1000).toFixed(1)}s`);
          up[i] = { sys, inst };
          break;
        } catch (e) {
          const retryable = /exited|not ready/.test(String(e.message)) && attempt < 3;
          if (retryable) {
            log(`  [rep ${rep}] ${sys.name} did not start (try ${attempt}), starting it again`);
            continue;
          }
          startFailures++;
          problems.push(`rep ${rep}: ${sys.name} could not start: ${e.message}`);
          console.error(`  [rep ${rep}] ${sys.name} COULD NOT START:\n${indent(e.message)}`);
          break;
        }
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return up.filter(Boolean);
}

const indent = (s) => String(s).split("\n").map((l) => "      " + l).join("\n");

for (let rep = 1; rep <= opts.repeat; rep++) {
  const up = await launchAll(rep);
  try {
    // interleave systems, rotating the order each repetition
    const order = up.map((_, i) => up[(i + rep - 1) % up.length]);
    const series = order.flatMap(({ sys, inst }) => sys.series.map((s) => ({ ...s, sys, inst, client: sys.client(inst, s.mode) })));
    for (const s of series) {
      try {
        await warmUp(s.client, opts.timeout);
      } catch (e) {
        problems.push(`rep ${rep}: ${s.label} warm-up failed: ${e.message}`);
        console.error(`  [rep ${rep}] ${s.label} warm-up FAILED: ${e.message}`);
        s.broken = true;
      }
    }
    for (const w of workloads) {
      for (const s of series) {
        if (s.broken || (s.only && !s.only.includes(w.key))) continue;
        if (w.kind === "backfill" && !s.client.backfill) continue;
        if (w.kind === "events" && !s.client.prepareEvents) continue;
        // Backfills and events are newer than the commits a before/after run compares against.
        if ((w.kind === "events" || w.kind === "backfill") && s.sys.name === "switchyard-base") continue;
        const entry = { rep, workload: w.label, key: w.key, series: s.label };
        try {
          // What the previous series left running (history writes, instances finishing) must not be timed here.
          entry.settled_ms = opts.quick ? 0 : await waitForQuiet();
          entry.metrics = await runWorkload(w, s.inst, s.client, { timeoutMs: opts.timeout });
          const retried = entry.metrics.start_retries ? ` [${entry.metrics.start_retries} start(s) retried after a worker restart]` : "";
          const settled = entry.settled_ms >= 1_000 ? ` (waited ${(entry.settled_ms / 1000).toFixed(1)} s for a quiet machine)` : "";
          log(`  [rep ${rep}] ${w.label.padEnd(13)} ${s.label.padEnd(29)} ${summary(w.key, entry.metrics)}${retried}${settled}`);
        } catch (e) {
          entry.error = e.message;
          if (e.metrics) entry.metrics = e.metrics;
          entry.wranglerLog = await s.inst.logTail();
          problems.push(`rep ${rep}: ${w.label} on ${s.label}: ${e.message}`);
          console.error(`  [rep ${rep}] ${w.label.padEnd(13)} ${s.label.padEnd(29)} FAILED: ${e.message}`);
        }
        raw.push(entry);
      }
    }
  } finally {
    await Promise.all(up.map(({ inst }) => inst.stop()));
  }
}

function summary(key, m) {
  switch (key) {
    case "chain": return `wall ${fmt(m.wall_ms, 0)} ms, ${fmt(m.per_task_ms, 2)} ms/task (inside ${fmt(m.per_task_inside_ms, 2)})`;
    case "fanout": return `wall ${fmt(m.wall_ms, 0)} ms (inside ${fmt(m.inside_ms, 0)}), RSS +${fmt(m.rss_growth_mb)} MB`;
    case "diamond": return `p50 ${fmt(m.p50_ms)} ms, p95 ${fmt(m.p95_ms)} ms (inside ${fmt(m.p50_inside_ms)} / ${fmt(m.p95_inside_ms)})`;
    case "runs": return `${m.ok_runs}/${m.runs} ok, ${fmt(m.runs_per_s)} runs/s (inside ${fmt(m.runs_per_s_inside)})`;
    case "events": return `${m.events} events: event → first task started p50 ${fmt(m.p50_ms, 0)} ms, p95 ${fmt(m.p95_ms, 0)} ms`;
    case "backfill": return `answered in ${fmt(m.answer_ms, 0)} ms, ${m.dates} runs created at ${fmt(m.created_per_s)} runs/s, all done in ${fmt(m.done_ms, 0)} ms`;
  }
  return "";
}

// ---- aggregate ----------------------------------------------------------------------------

const METRICS = {
  chain: [["per_task_ms", "per task ms"], ["per_task_inside_ms", "per task ms (inside)"], ["wall_ms", "wall ms"], ["inside_ms", "wall ms (inside)"], ["inside_from_created_ms", "created→end ms (inside)"]],
  fanout: [["wall_ms", "wall ms"], ["inside_ms", "wall ms (inside)"], ["inside_from_created_ms", "created→end ms (inside)"], ["rss_growth_mb", "workerd RSS growth MB"], ["rss_peak_mb", "workerd RSS peak MB"]],
  diamond: [["p50_ms", "p50 ms"], ["p95_ms", "p95 ms"], ["p50_inside_ms", "p50 ms (inside)"], ["p95_inside_ms", "p95 ms (inside)"]],
  runs: [["runs_per_s", "runs/s"], ["runs_per_s_inside", "runs/s (inside)"], ["run_p50_inside_ms", "run p50 ms (inside)"], ["ok_runs", "succeeded (min)"]],
  events: [["p50_ms", "event → run p50 ms"], ["p95_ms", "event → run p95 ms"], ["max_ms", "event → run max ms"]],
  backfill: [["answer_ms", "answer ms"], ["created_per_s", "runs created/s"], ["done_ms", "all done ms"], ["done_per_s", "runs done/s"]],
};
// headline metric per workload for ratios, as a time (bigger = slower)
const RATIO_METRICS = {
  chain: [["per_task_ms", "per_task_inside_ms"], "per task"],
  fanout: [["wall_ms", "inside_ms"], "wall"],
  diamond: [["p50_ms", "p50_inside_ms"], "p50"],
  runs: [["runs_per_s", "runs_per_s_inside"], "time/run"],
  backfill: [["answer_ms", "answer_ms"], "answer"],
  events: [["p50_ms", "p50_ms"], "p50"],
};
const PEERS = ["floor-queue", "floor-continuation", "floor-inline", "workflows"];

const medians = {}; // workload label -> series -> metric -> median
for (const w of workloads) {
  medians[w.label] = {};
  for (const label of seriesLabels) {
    const rows = raw.filter((r) => r.workload === w.label && r.series === label && r.metrics && !r.error);
    if (!rows.length) continue;
    const m = {};
    for (const k of Object.keys(rows[0].metrics)) {
      const xs = rows.map((r) => r.metrics[k]);
      m[k] = k === "ok_runs" ? Math.min(...xs) : k === "start_retries" ? xs.reduce((a, b) => a + (b ?? 0), 0) : median(xs);
    }
    m.samples = rows.length;
    medians[w.label][label] = m;
  }
}

const ratios = {}; // switchyard series -> peer -> workload -> { outside, inside }
for (const sy of seriesLabels.filter((l) => l.startsWith("switchyard"))) {
  ratios[sy] = {};
  for (const peer of PEERS.filter((p) => seriesLabels.includes(p))) {
    ratios[sy][peer] = {};
    for (const w of workloads) {
      const [[outK, inK]] = RATIO_METRICS[w.key];
      const a = medians[w.label][sy];
      const b = medians[w.label][peer];
      const r = (k) => {
        if (!a || !b || a[k] == null || b[k] == null || !a[k] || !b[k]) return null;
        return w.key === "runs" ? b[k] / a[k] : a[k] / b[k];
      };
      ratios[sy][peer][w.label] = { outside: r(outK), inside: r(inK) };
    }
  }
}

const targets = evaluateTargets(medians, workloads, seriesLabels);

// ---- print --------------------------------------------------------------------------------

const short = (l) => l.replace("switchyard-nocont", "sy-nocont").replace("switchyard", "sy").replace("/dispatched", "/disp").replace("-default", "-dflt").replace("/control", "/ctrl").replace("floor-continuation", "floor-cont");
const W0 = 30;
const WC = 16;
const cell = (s) => ` ${s}`.padStart(WC);

log(`\nMedians over ${opts.repeat} repetition(s). outside = HTTP from node; inside = the Worker's own timestamps`);
log(`(the Worker clock only advances on I/O, so a run done in one turn without I/O shows inside 0)`);
for (const w of workloads) {
  log(`\n${w.label}`.padEnd(W0 + 1) + seriesLabels.map((l) => cell(short(l))).join(""));
  for (const [k, name] of METRICS[w.key]) {
    const vals = seriesLabels.map((l) => {
      const v = medians[w.label][l]?.[k];
      if (k === "ok_runs") return v == null ? "-" : `${v}/${w.runs}`;
      return fmt(v, k.includes("per_task") ? 2 : 1);
    });
    log("  " + name.padEnd(W0 - 2) + vals.map(cell).join(""));
  }
}

const syLabels = Object.keys(ratios);
if (syLabels.length) {
  log(`\nRatios Switchyard ÷ peer, outside / inside (> 1 = Switchyard slower; runs: time per run = 1/throughput)`);
  for (const sy of syLabels) {
    const peers = Object.keys(ratios[sy]);
    if (!peers.length) continue;
    const head = sy.length > W0 - 2 ? short(sy) : sy; // switchyard-base/dispatched-default
    log(`\n${head}`.padEnd(W0 + 1) + peers.map((p) => cell(short(p))).join(""));
    for (const w of workloads) {
      if (w.kind === "backfill" || w.kind === "events") continue; // Switchyard only: no peer to compare with
      const name = `${w.label} ${RATIO_METRICS[w.key][1]}`.slice(0, W0 - 2);
      log("  " + name.padEnd(W0 - 2) + peers.map((p) => {
        const r = ratios[sy][p][w.label];
        return cell(`${fmt(r.outside, 2)} / ${fmt(r.inside, 2)}`);
      }).join(""));
    }
  }
}

if (targets.length) {
  log(`\nTargets: Switchyard ÷ peer of this run's medians, outside / inside; met or missed on outside${opts.quick ? "\n(--quick: on the scaled-down workloads, which the targets were not set for)" : ""}`);
  let last = null;
  for (const t of targets) {
    if (t.id !== last) log(`\n  ${t.text}  [${t.workload}]`);
    last = t.id;
    const verdict = t.met == null ? `not measured (no ${t.missing.join(", ")})` : t.met ? "met" : "MISSED";
    log(`    ${short(t.series).padEnd(W0 - 4)}${cell(`${fmt(t.ratio.outside, 2)} / ${fmt(t.ratio.inside, 2)}`)}  ${verdict}`);
  }
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}
function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return null;
  }
}

const result = {
  startedAt: new Date(tStart).toISOString(),
  durationS: (Date.now() - tStart) / 1000,
  options: { quick: opts.quick, repeat: opts.repeat, systems: opts.systems, workloads: workloads.map((w) => w.label), timeoutMs: opts.timeout },
  environment: {
    node: process.version,
    wrangler: version("wrangler"),
    workerd: version("workerd"),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavg: os.loadavg(),
    commit: gitCommit(),
  },
  workloadDefs: workloads.map((w) => ({ label: w.label, tasks: w.dag.names.length, runs: w.runs ?? 1, pollMs: w.pollMs })),
  medians,
  ratios,
  targets,
  raw,
  problems,
};
// The lineage walk (issue #16): a pure function timed in Node, not on workerd.
let lineageWalk = null;
if (!opts.workloads || opts.workloads.includes("lineage")) {
  const walk = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "bench", "lineage-walk.ts")], { encoding: "utf8" });
  lineageWalk = walk.status === 0 ? walk.stdout.trim() : `failed: ${walk.stderr.trim().slice(0, 500)}`;
  log(`\nLineage walk over 10,000 column edges (target: under 50 ms)\n${lineageWalk.replace(/^/gm, "  ")}`);
}
result.lineageWalk = lineageWalk;

const outFile = opts.out ?? join(ROOT, "bench", "results", `${new Date(tStart).toISOString().replace(/[:.]/g, "-")}${opts.quick ? "-quick" : ""}.json`);
mkdirSync(join(outFile, ".."), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + "\n");
log(`\nwrote ${outFile.startsWith(ROOT) ? outFile.slice(ROOT.length + 1) : outFile} (${result.durationS.toFixed(0)} s)`);

if (problems.length) {
  console.error(`\nbench: ${problems.length} problem(s):\n${problems.map((p) => "  - " + p.split("\n")[0]).join("\n")}`);
  cleanup();
  process.exit(startFailures ? 2 : 1);
}
cleanup();
