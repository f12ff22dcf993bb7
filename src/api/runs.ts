import { Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { IdSchema } from "../dag/spec";
import { hasArtifactRef, resolveOutput } from "../lib/artifacts";
import { runLineage } from "../db/lineage";
import { isRunId } from "../lib/ids";
import { runLineageView } from "../lineage/run-lineage-view";
import { coordinatorFor } from "../run/client";
import type { CommandResult } from "../run/coordinator/run-coordinator";
import { isFinishedRun } from "../run/types";
import type { RunView } from "../run/view";
import { apiError } from "./errors";
import { parseOr400, readJson } from "./input";

const ClearBodySchema = z
  .object({
    taskIds: z.array(IdSchema).min(1).max(10_000),
    downstream: z.boolean().optional(),
  })
  .strict();

/** `?tasks=false`: the run without its tasks (cheap to poll). */
const RunQuerySchema = z.object({ tasks: z.enum(["true", "false"]).optional() });

function runIdParam(raw: string): string {
  if (!isRunId(raw)) apiError(404, "not_found", `no run '${raw}'`);
  return raw;
}

/** Outputs held in R2 are shown as their content: the API hides where an output lives. */
async function withOutputs(env: Env, run: RunView): Promise<RunView> {
  if (!run.tasks.some((t) => hasArtifactRef(t.output))) return run;
  const tasks = await Promise.all(
    run.tasks.map(async (t) => (hasArtifactRef(t.output) ? { ...t, output: (await resolveOutput(env.ARTIFACTS, t.output)) ?? null } : t)),
  );
  return { ...run, tasks };
}

function commandAnswer(runId: string, result: CommandResult): RunView {
  if (result.ok) return result.run;
  if (result.code === "not_found") return apiError(404, "not_found", `no run '${runId}'`);
  return apiError(409, result.code, result.message);
}

/** `/api/runs/{runId}`: a run's live state (from its coordinator), its attempts, cancel, retry, clear. */
export const runsApi = new Hono<{ Bindings: Env }>()
  .get("/:runId", validator("query", (v) => parseOr400(RunQuerySchema, v)), async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    if (c.req.valid("query").tasks === "false") {
      const summary = await coordinatorFor(c.env, runId).summary();
      if (!summary) apiError(404, "not_found", `no run '${runId}'`);
      return c.json(summary);
    }
    const run = await coordinatorFor(c.env, runId).view();
    if (!run) apiError(404, "not_found", `no run '${runId}'`);
    return c.json(await withOutputs(c.env, run));
  })
  .get("/:runId/lineage", async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    if (!(await coordinatorFor(c.env, runId).summary())) apiError(404, "not_found", `no run '${runId}'`);
    return c.json(runLineageView(runId, await runLineage(c.env.CATALOG, runId)));
  })
  .get("/:runId/attempts", async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    const attempts = await coordinatorFor(c.env, runId).attempts();
    if (!attempts) apiError(404, "not_found", `no run '${runId}'`);
    return c.json({ runId, attempts });
  })
  .post("/:runId/cancel", async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    const stub = coordinatorFor(c.env, runId);
    const before = await stub.view();
    if (!before) apiError(404, "not_found", `no run '${runId}'`);
    if (isFinishedRun(before.status)) apiError(409, "run_finished", `run '${runId}' already ended ${before.status}`);
    const run = await stub.cancel();
    return c.json(run);
  })
  .post("/:runId/retry", async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    return c.json(commandAnswer(runId, await coordinatorFor(c.env, runId).retry()));
  })
  .post("/:runId/clear", async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    const body = parseOr400(ClearBodySchema, (await readJson(c)).value);
    const stub = coordinatorFor(c.env, runId);
    const run = await stub.view();
    if (!run) apiError(404, "not_found", `no run '${runId}'`);
    const known = new Set(run.tasks.map((t) => t.taskId));
    const issues = body.taskIds
      .map((id, i) => ({ id, i }))
      .filter(({ id }) => !known.has(id))
      .map(({ id, i }) => ({ path: `taskIds[${i}]`, message: `no task '${id}' in this run` }));
    if (issues.length > 0) apiError(400, "invalid_request", issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
    return c.json(commandAnswer(runId, await stub.clear({ taskIds: body.taskIds, downstream: body.downstream ?? false })));
  });
