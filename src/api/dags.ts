import { Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { canonicalJson } from "../dag/canonical";
import { storedSpec } from "../dag/compiled";
import { dagFor } from "../dags/client";
import { backfillsOf } from "../db/backfills";
import { dagScheduling } from "../scheduling/dag-schedule";
import { upcomingRuns } from "../scheduling/schedule";
import { recordVersionLineage } from "../lineage/record-version";
import { checkTriggers } from "../triggers/check-triggers";
import { triggersOf } from "../db/dag-triggers";
import { triggerIndexRows } from "../events/trigger-index";
import { backfillListItem } from "./backfills";
import { DagSpecSchema, IdSchema } from "../dag/spec";
import { validateDagSpec } from "../dag/validate";
import { catalog, dagVersion, latestDagVersion, listDagSpecs, listDags, listRuns, registerDagVersion, storedTrigger } from "../db/catalog";
import { sha256Hex } from "../lib/ids";
import { RUN_STATUSES } from "../run/types";
import { iso } from "../run/view";
import { startRunAndContinue } from "../triggers/start-and-continue";
import { apiError } from "./errors";
import { parseOr400, readJson } from "./input";

const TriggerBodySchema = z
  .object({
    params: z.record(z.string(), z.unknown()).optional(),
    runKey: z.string().min(1).max(256).optional(),
    /** A date or date-time in the DAG's timezone: the DAG's run of that logical date (one per date). */
    logicalDate: z.string().min(1).max(40).optional(),
  })
  .strict()
  .refine((b) => b.runKey === undefined || b.logicalDate === undefined, {
    path: ["runKey"],
    message: "cannot be combined with logicalDate (a logical date already identifies the run)",
  });

const ScheduleQuerySchema = z.object({
  count: z.coerce.number().int().min(1).max(1_000).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
});

const ListRunsQuerySchema = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(512).optional(),
});

const DagQuerySchema = z.object({ version: z.coerce.number().int().min(1).optional() });

const CursorSchema = z.object({ createdAt: z.number(), runId: z.string() });

function encodeCursor(c: { createdAt: number; runId: string }): string {
  return btoa(JSON.stringify(c)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(raw: string) {
  try {
    const json = atob(raw.replaceAll("-", "+").replaceAll("_", "/"));
    return CursorSchema.parse(JSON.parse(json));
  } catch {
    return apiError(400, "invalid_request", "cursor: not a cursor returned by this endpoint", [
      { path: "cursor", message: "not a cursor returned by this endpoint" },
    ]);
  }
}

const SpecTagsSchema = z.object({ tags: z.array(z.string()).optional() });

/** A stored spec's tags (JSON read back from storage is parsed; an unreadable one has none). */
function specTags(specJson: string): string[] {
  try {
    return SpecTagsSchema.safeParse(JSON.parse(specJson)).data?.tags ?? [];
  } catch {
    return [];
  }
}

function dagIdParam(raw: string): string {
  return parseOr400(IdSchema, raw, "invalid_dag_id");
}

/** `/api/dags`: register and read DAG versions, trigger and list runs. */
export const dagsApi = new Hono<{ Bindings: Env }>()
  .get("/", async (c) => {
    const db = catalog(c.env.CATALOG);
    const [rows, specs] = await Promise.all([listDags(db), listDagSpecs(db)]);
    const tags = new Map(specs.map((s) => [s.dagId, specTags(s.specJson)]));
    return c.json({
      dags: rows.map((d) => ({
        dagId: d.dagId,
        version: d.latestVersion,
        description: d.description,
        tags: tags.get(d.dagId) ?? [],
        schedule: d.schedule ?? null,
        timezone: d.timezone ?? "UTC",
        paused: d.paused === 1,
        nextRunAt: iso(d.nextRunAt),
        nextLogicalDate: iso(d.nextLogicalDate),
        updatedAt: iso(d.updatedAt),
      })),
    });
  })
  .put("/:dagId", async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const { value, raw } = await readJson(c);
    const result = validateDagSpec(value, raw);
    if (!result.ok) {
      apiError(
        400,
        "invalid_dag",
        result.issues.map((i) => `${i.path}: ${i.message}`).join("; "),
        result.issues,
      );
    }
    const triggers = result.spec.triggers ?? [];
    if (triggers.length > 0) {
      const problems = await checkTriggers(c.env, dagId, triggers);
      if (problems.length > 0) apiError(400, "invalid_dag", problems.map((i) => `${i.path}: ${i.message}`).join("; "), problems);
    }
    const upstreamBefore = (await triggersOf(c.env.CATALOG, dagId)).filter((t) => t.type === "dag").map((t) => t.key);
    const specJson = canonicalJson(result.spec);
    const now = Date.now();
    const registered = await registerDagVersion(catalog(c.env.CATALOG), {
      dagId,
      specJson,
      specHash: await sha256Hex(specJson),
      description: result.spec.description,
      now,
      triggers: (version) => triggerIndexRows(dagId, version, triggers, now),
    });
    if ("conflict" in registered) apiError(409, "conflict", "another version was registered at the same time; retry");
    if (registered.created) await recordVersionLineage(c.env, dagId, registered.version, result.spec);
    // The DAG's object applies the version's schedule now; if it cannot, the minute tick will.
    try {
      await dagFor(c.env, dagId).sync(dagId);
    } catch (err) {
      console.error(`DAG ${dagId}: applying version ${registered.version} to its object failed; the cron tick will`, err);
    }
    // The upstream DAGs this version (or the one before) triggers on read their downstream list again.
    for (const up of new Set([...upstreamBefore, ...triggers.flatMap((t) => (t.type === "dag" ? [t.dagId] : []))])) {
      await dagFor(c.env, up)
        .refreshDownstream()
        .catch((err: unknown) => console.error(`DAG ${up}: telling it about its downstream DAGs failed; it reads them again within a minute`, err));
    }
    return c.json({ dagId, version: registered.version, created: registered.created }, registered.created ? 201 : 200);
  })
  .get("/:dagId", validator("query", (v) => parseOr400(DagQuerySchema, v)), async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const db = catalog(c.env.CATALOG);
    const { version } = c.req.valid("query");
    const row = version === undefined ? await latestDagVersion(db, dagId) : await dagVersion(db, dagId, version);
    if (!row) apiError(404, "not_found", version === undefined ? `no DAG '${dagId}'` : `no version ${version} of DAG '${dagId}'`);
    return c.json({
      dagId,
      version: row.version,
      createdAt: iso(row.createdAt),
      ...(await dagFor(c.env, dagId).status(dagId)),
      spec: DagSpecSchema.parse(JSON.parse(row.specJson)),
    });
  })
  .post("/:dagId/pause", async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const status = await dagFor(c.env, dagId).pause(dagId);
    return status ? c.json({ dagId, ...status }) : apiError(404, "not_found", `no DAG '${dagId}'`);
  })
  .post("/:dagId/unpause", async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const status = await dagFor(c.env, dagId).unpause(dagId);
    return status ? c.json({ dagId, ...status }) : apiError(404, "not_found", `no DAG '${dagId}'`);
  })
  .get("/:dagId/schedule", validator("query", (v) => parseOr400(ScheduleQuerySchema, v)), async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const q = c.req.valid("query");
    const row = await latestDagVersion(catalog(c.env.CATALOG), dagId);
    if (!row) return apiError(404, "not_found", `no DAG '${dagId}'`);
    const { schedule } = dagScheduling(storedSpec(row.specJson));
    if (!schedule) return apiError(409, "no_schedule", `DAG '${dagId}' has no schedule`);
    const from = q.from === undefined ? Date.now() : Date.parse(q.from);
    return c.json({ dagId, timezone: schedule.timezone, schedule: upcomingRuns(schedule, from, q.count ?? 10) });
  })
  .post("/:dagId/backfills", async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const { value } = await readJson(c);
    const answer = await dagFor(c.env, dagId).createBackfill(dagId, value);
    if (!answer.ok) {
      if (answer.status === 404) return apiError(404, "not_found", `no DAG '${dagId}'`);
      return apiError(400, "invalid_backfill", answer.issues.map((i) => `${i.path}: ${i.message}`).join("; "), answer.issues);
    }
    return c.json({ backfillId: answer.backfillId, dagId, dryRun: answer.dryRun, dates: answer.dates }, answer.dryRun ? 200 : 201);
  })
  .get("/:dagId/backfills", async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const rows = await backfillsOf(c.env.CATALOG, dagId, 100);
    return c.json({ backfills: rows.map(backfillListItem) });
  })
  .post("/:dagId/runs", async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const { value } = await readJson(c, { optional: true });
    const body = parseOr400(TriggerBodySchema, value);
    // The request runs the run's first tasks itself after answering, when their timeouts fit.
    const result = await startRunAndContinue(c.env, (work) => c.executionCtx.waitUntil(work), {
      dagId,
      params: body.params ?? {},
      trigger: { type: "api" },
      ...(body.runKey === undefined ? {} : { runKey: body.runKey }),
      ...(body.logicalDate === undefined ? {} : { logicalDate: body.logicalDate }),
    });
    if (result.kind === "no_dag") return apiError(404, "not_found", `no DAG '${dagId}'`);
    if (result.kind === "invalid_params") {
      return apiError(
        400,
        "invalid_params",
        result.issues.map((i) => `${i.path}: ${i.message}`).join("; "),
        result.issues,
      );
    }
    const { run } = result;
    return c.json({ runId: run.runId, status: run.status, run }, result.kind === "started" ? 201 : 200);
  })
  .get("/:dagId/runs", validator("query", (v) => parseOr400(ListRunsQuerySchema, v)), async (c) => {
    const dagId = dagIdParam(c.req.param("dagId"));
    const q = c.req.valid("query");
    const limit = q.limit ?? 50;
    const db = catalog(c.env.CATALOG);
    if (!(await latestDagVersion(db, dagId))) apiError(404, "not_found", `no DAG '${dagId}'`);
    const rows = await listRuns(db, dagId, {
      limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.cursor ? { cursor: decodeCursor(q.cursor) } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json({
      runs: page.map((r) => ({
        runId: r.runId,
        dagId: r.dagId,
        dagVersion: r.dagVersion,
        status: r.status,
        runKey: r.runKey,
        trigger: storedTrigger(r),
        logicalDate: r.logicalDate,
        createdAt: iso(r.createdAt),
        startedAt: iso(r.startedAt),
        endedAt: iso(r.endedAt),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, runId: last.runId }) : null,
    });
  });
