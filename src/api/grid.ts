import { Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { IdSchema } from "../dag/spec";
import { catalog, gridTaskStates, latestDagVersion, recentRuns, storedTrigger } from "../db/catalog";
import { iso } from "../run/view";
import { apiError } from "./errors";
import { parseOr400 } from "./input";

const GridQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** One task of one run in the grid: its state, attempts, and for a mapped task its instances by state. */
export interface GridCell {
  status: string;
  attempts: number;
  mapped?: { total: number; states: Record<string, number> };
}

const TaskStatesJsonSchema = z.record(z.string(), z.tuple([z.string(), z.number()]));

type StateRows = Awaited<ReturnType<typeof gridTaskStates>>;

/** Folds the task rows and the instance counts into cells per run and task. */
export function gridCells(rows: StateRows): Map<string, Record<string, GridCell>> {
  const byRun = new Map<string, Record<string, GridCell>>();
  const cellOf = (runId: string, taskId: string): GridCell => {
    let tasks = byRun.get(runId);
    if (!tasks) byRun.set(runId, (tasks = {}));
    return (tasks[taskId] ??= { status: "none", attempts: 0 });
  };
  for (const r of rows.runs) {
    // JSON SQLite built from the catalog's own rows, read back as any stored JSON: parsed, checked.
    const parsed = TaskStatesJsonSchema.safeParse(JSON.parse(r.tasksJson));
    if (!parsed.success) continue;
    for (const [taskId, [status, attempts]] of Object.entries(parsed.data)) {
      const cell = cellOf(r.runId, taskId);
      cell.status = status;
      cell.attempts = attempts;
    }
  }
  for (const r of rows.instances) {
    const cell = cellOf(r.runId, r.taskId);
    cell.mapped ??= { total: 0, states: {} };
    cell.mapped.total += Number(r.count);
    cell.mapped.states[r.status] = (cell.mapped.states[r.status] ?? 0) + Number(r.count);
  }
  return byRun;
}

/**
 * `/api/dags/{dagId}/grid`: the runs grid's state (runs × tasks) of a DAG's newest runs, read from
 * the catalog in two queries whatever the DAG's size. The structure (the tasks) comes from
 * `GET /api/dags/{dagId}`, so a client loads each once. A task with no row yet (pending) is absent.
 */
export const gridApi = new Hono<{ Bindings: Env }>().get("/:dagId/grid", validator("query", (v) => parseOr400(GridQuerySchema, v)), async (c) => {
  const dagId = parseOr400(IdSchema, c.req.param("dagId"), "invalid_dag_id");
  const q = c.req.valid("query");
  const db = catalog(c.env.CATALOG);
  if (!(await latestDagVersion(db, dagId))) apiError(404, "not_found", `no DAG '${dagId}'`);
  const runRows = await recentRuns(db, dagId, q.limit ?? 25);
  const cells = gridCells(await gridTaskStates(db, runRows.map((r) => r.runId)));
  return c.json({
    dagId,
    runs: runRows.map((r) => ({
      runId: r.runId,
      dagVersion: r.dagVersion,
      status: r.status,
      trigger: storedTrigger(r),
      logicalDate: r.logicalDate,
      createdAt: iso(r.createdAt),
      startedAt: iso(r.startedAt),
      endedAt: iso(r.endedAt),
      tasks: cells.get(r.runId) ?? {},
    })),
  });
});
