import { Hono } from "hono";
import { dagFor } from "../dags/client";
import { backfillRow, type BackfillRow } from "../db/backfills";
import { iso } from "../run/view";
import { apiError } from "./errors";

const BACKFILL_ID = /^bf_[0-9a-f]{20}$/;

/** A backfill as `GET /api/dags/{dagId}/backfills` lists it (from the catalog's copy). */
export function backfillListItem(r: BackfillRow) {
  return {
    backfillId: r.backfillId,
    dagId: r.dagId,
    status: r.status,
    request: JSON.parse(r.requestJson) as unknown,
    counts: JSON.parse(r.countsJson) as unknown,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

async function dagOf(env: Env, backfillId: string): Promise<string> {
  const row = BACKFILL_ID.test(backfillId) ? await backfillRow(env.CATALOG, backfillId) : undefined;
  if (!row) return apiError(404, "not_found", `no backfill '${backfillId}'`);
  return row.dagId;
}

/** `/api/backfills/{backfillId}`: a backfill's progress per date (from its DAG's object), and cancel. */
export const backfillsApi = new Hono<{ Bindings: Env }>()
  .get("/:backfillId", async (c) => {
    const backfillId = c.req.param("backfillId");
    const dagId = await dagOf(c.env, backfillId);
    const view = await dagFor(c.env, dagId).backfill(backfillId);
    return view ? c.json(view) : apiError(404, "not_found", `no backfill '${backfillId}'`);
  })
  .post("/:backfillId/cancel", async (c) => {
    const backfillId = c.req.param("backfillId");
    const dagId = await dagOf(c.env, backfillId);
    const view = await dagFor(c.env, dagId).cancelBackfill(backfillId);
    return view ? c.json(view) : apiError(404, "not_found", `no backfill '${backfillId}'`);
  });
