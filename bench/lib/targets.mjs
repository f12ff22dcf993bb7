// The targets the bench checks: ratios of medians measured in one bench run (issue "engine
// foundation"). Each is judged on outside time (what a user sees); the inside ratio is shown beside it.

/** Switchyard systems whose series are checked (the working tree, and the committed base when asked for). */
const SWITCHYARD_SYSTEMS = ["switchyard", "switchyard-base"];
/** Both dispatched paths: 10 s timeouts (the trigger takes a run's first tasks) and the default (through the queue). */
const DISPATCHED = ["dispatched", "dispatched-default"];

/**
 * `workload`: workload key; `modes`: the Switchyard series checked; `peer`: the series compared
 * against; `metric`: the medians compared (outside, inside); the ratio is Switchyard's ÷ the peer's,
 * so for a rate (runs/s) bigger is better; `max` / `min`: the bound on the ratio.
 */
export const TARGETS = [
  { id: "fanout-floor", text: "dispatched fanout-1000 wall ≤ 1.25× floor-continuation", workload: "fanout", modes: DISPATCHED, peer: "floor-continuation", metric: ["wall_ms", "inside_ms"], max: 1.25 },
  { id: "runs-floor", text: "runs-200 throughput ≥ 0.9× floor-continuation", workload: "runs", modes: DISPATCHED, peer: "floor-continuation", metric: ["runs_per_s", "runs_per_s_inside"], min: 0.9 },
  { id: "chain-floor", text: "dispatched chain-100 per task within 10 % of floor-continuation (≤ 1.10×)", workload: "chain", modes: DISPATCHED, peer: "floor-continuation", metric: ["per_task_ms", "per_task_inside_ms"], max: 1.1 },
  { id: "diamond-workflows", text: "dispatched diamond p50 ≤ 0.5× Workflows", workload: "diamond", modes: DISPATCHED, peer: "workflows", metric: ["p50_ms", "p50_inside_ms"], max: 0.5 },
  // Absolute (no peer: the figure itself is bounded), issue "schedules and backfills".
  { id: "backfill-answer", text: "a 1,000-date backfill answers in under 1 s (ms)", workload: "backfill", modes: ["control", "dispatched"], peer: null, metric: ["answer_ms", "answer_ms"], max: 1000 },
  { id: "backfill-rate", text: "its runs are created at ≥ 100 runs/s", workload: "backfill", modes: ["control", "dispatched"], peer: null, metric: ["created_per_s", "created_per_s"], min: 100 },
  { id: "chain-control-workflows", text: "control chain-100 per task ≤ 0.25× Workflows", workload: "chain", modes: ["control"], peer: "workflows", metric: ["per_task_ms", "per_task_inside_ms"], max: 0.25 },
];

/**
 * Every target for every measured Switchyard series it names: `{ id, text, workload, series,
 * peer, bound, ratio: {outside, inside}, met, missing }`; `met` is null and `missing` names the
 * series when either median is missing (not selected, or its workload failed).
 * `medians` is `workload label → series → metric → median`, `workloads` the measured workloads.
 */
export function evaluateTargets(medians, workloads, seriesLabels) {
  const out = [];
  for (const t of TARGETS) {
    const w = workloads.find((x) => x.key === t.workload);
    if (!w) continue;
    const candidates = SWITCHYARD_SYSTEMS.flatMap((sys) => t.modes.map((mode) => `${sys}/${mode}`));
    for (const series of candidates.filter((l) => seriesLabels.includes(l))) {
      const a = medians[w.label]?.[series];
      const b = medians[w.label]?.[t.peer];
      const ratio = (k) => {
        if (t.peer === null) return a?.[k] ?? null;
        if (!a?.[k] || !b?.[k]) return null;
        return a[k] / b[k];
      };
      const [outK, inK] = t.metric;
      const r = { outside: ratio(outK), inside: ratio(inK) };
      const met = r.outside == null ? null : t.max != null ? r.outside <= t.max : r.outside >= t.min;
      const missing = (t.peer === null ? [[series, a]] : [[series, a], [t.peer, b]]).filter(([, m]) => !m?.[outK]).map(([l]) => l);
      out.push({ id: t.id, text: t.text, workload: w.label, series, peer: t.peer, bound: t.max != null ? { max: t.max } : { min: t.min }, ratio: r, met, missing });
    }
  }
  return out;
}
