import { Hono } from "hono";
import { isRunId } from "../lib/ids";
import { coordinatorFor } from "../run/client";
import { isFinishedRun } from "../run/types";
import { apiError } from "./errors";

function runIdParam(raw: string): string {
  if (!isRunId(raw)) apiError(404, "not_found", `no run '${raw}'`);
  return raw;
}

/** `/api/runs/{runId}`: a run's live state (from its coordinator), its attempts, cancel. */
export const runsApi = new Hono<{ Bindings: Env }>()
  .get("/:runId", async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    const run = await coordinatorFor(c.env, runId).view();
    if (!run) apiError(404, "not_found", `no run '${runId}'`);
    return c.json(run);
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
  });
