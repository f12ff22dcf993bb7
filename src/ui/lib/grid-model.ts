/**
 * The runs grid (Airflow's grid view) as data: one column per run, oldest left, one row per task
 * in the DAG's order, each cell the task's state in that run; above each column a bar whose height
 * is the run's duration relative to the longest shown. Pure: the DAG's task ids and the grid
 * endpoint's answer in, rows and columns out.
 */

export interface GridRunInput {
  runId: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string | null;
  logicalDate?: string | null;
  tasks: Record<string, { status: string; attempts: number; mapped?: { total: number; states: Record<string, number> } }>;
}

export interface GridColumn {
  runId: string;
  status: string;
  /** Run duration in ms (a run in progress: so far, up to `now`); null before it started. */
  durationMs: number | null;
  /** Bar height as a fraction of the tallest, 0..1 (a run not started gets a sliver). */
  bar: number;
  label: string;
}

export interface GridCellModel {
  runId: string;
  taskId: string;
  status: string;
  attempts: number;
  /** Mapped tasks: "done/total" instances. */
  mapped?: string;
  /** The cell's state as text, for its title and aria-label. */
  text: string;
}

export interface GridModel {
  columns: GridColumn[];
  rows: Array<{ taskId: string; cells: GridCellModel[] }>;
}

const DONE = new Set(["success", "failed", "upstream_failed", "skipped", "cancelled"]);

function durationOf(run: GridRunInput, now: number): number | null {
  if (!run.startedAt) return null;
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return Math.max(0, end - Date.parse(run.startedAt));
}

/** `runs` newest first, as the endpoint answers; the grid shows them oldest first (left to right). */
export function gridModel(taskIds: readonly string[], runs: readonly GridRunInput[], now: number): GridModel {
  const ordered = [...runs].reverse();
  const durations = ordered.map((r) => durationOf(r, now));
  const longest = Math.max(1, ...durations.map((d) => d ?? 0));
  const columns: GridColumn[] = ordered.map((r, i) => {
    const d = durations[i] ?? null;
    return {
      runId: r.runId,
      status: r.status,
      durationMs: d,
      bar: d === null ? 0.04 : Math.max(0.04, d / longest),
      label: `run ${r.runId.slice(0, 8)}: ${r.status.replaceAll("_", " ")}${d === null ? "" : `, ${formatDuration(d)}`}`,
    };
  });
  const rows = taskIds.map((taskId) => ({
    taskId,
    cells: ordered.map((r): GridCellModel => {
      const cell = r.tasks[taskId];
      const status = cell?.status ?? "none";
      const state = status === "none" ? "no status" : status.replaceAll("_", " ");
      let mapped: string | undefined;
      if (cell?.mapped) {
        let done = 0;
        for (const [s, n] of Object.entries(cell.mapped.states)) if (DONE.has(s)) done += n;
        mapped = `${done}/${cell.mapped.total}`;
      }
      const tries = cell && cell.attempts > 1 ? `, ${cell.attempts} attempts` : "";
      return {
        runId: r.runId,
        taskId,
        status,
        attempts: cell?.attempts ?? 0,
        ...(mapped === undefined ? {} : { mapped }),
        text: `${taskId} in run ${r.runId.slice(0, 8)}: ${state}${mapped ? ` (${mapped} mapped)` : ""}${tries}`,
      };
    }),
  }));
  return { columns, rows };
}

/** A duration as people read it: 850 ms, 12.3 s, 4 m 05 s, 2 h 03 m. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, "0")} m`;
}
