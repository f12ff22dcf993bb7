import { Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { currentLineage, datasetKind, datasetsByUri, listDatasets, type DatasetCatalogRow } from "../db/lineage";
import { columnGraphOf, datasetGraphOf, datasetsReached, mentionsDataset, walkDatasetsBoth } from "../lineage/current-graph";
import { tableRowCounts } from "../lineage/data-tables";
import { canonicalDatasetUri, d1TableOf } from "../lineage/dataset-uri";
import { DEFAULT_MAX_NODES, walkColumns } from "../lineage/graph";
import { decodeFeedCursor } from "../lineage/openlineage-feed";
import { readFeed } from "../lineage/openlineage-source";
import { iso } from "../run/view";
import { apiError } from "./errors";
import { parseOr400 } from "./input";

/** Hops a walk may be asked to take, and nodes it may reach. */
const MAX_DEPTH = 1_000;
const MAX_NODES = 10_000;

const DatasetQuerySchema = z.string().min(1).max(512).regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s#]+$/i, "a dataset URI such as d1://orders_enriched");
const DepthSchema = z.coerce.number().int().min(1).max(MAX_DEPTH).optional();
const MaxNodesSchema = z.coerce.number().int().min(1).max(MAX_NODES).optional();

const ListQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(1_000).optional(), cursor: z.string().min(1).max(600).optional() })
  .strict();

const DatasetWalkQuerySchema = z
  .object({ direction: z.enum(["upstream", "downstream", "both"]).optional(), depth: DepthSchema, maxNodes: MaxNodesSchema })
  .strict();

const ColumnWalkQuerySchema = z
  .object({
    dataset: DatasetQuerySchema,
    column: z.string().min(1).max(256),
    direction: z.enum(["upstream", "downstream"]).optional(),
    depth: DepthSchema,
    maxNodes: MaxNodesSchema,
  })
  .strict();

const EventsQuerySchema = z
  .object({
    /** An ISO date-time or epoch milliseconds: events at or after it. */
    since: z.union([z.iso.datetime({ offset: true }), z.string().regex(/^\d{1,15}$/, "an ISO date-time or epoch milliseconds")]).optional(),
    /** The `next` of an earlier page: events after it (instead of `since`). */
    cursor: z.string().min(1).max(600).optional(),
    limit: z.coerce.number().int().min(1).max(1_000).optional(),
  })
  .strict()
  .refine((q) => q.since === undefined || q.cursor === undefined, { path: ["cursor"], message: "cannot be combined with since" });

/** A dataset as the catalog knows it, with its row count when it is a `DB` table that exists. */
function datasetView(row: DatasetCatalogRow, counts: Map<string, number>) {
  const table = d1TableOf(row.uri);
  return {
    uri: row.uri,
    kind: row.kind,
    lastWriter: row.lastRunId === null ? null : { dagId: row.lastDagId, taskId: row.lastTaskId, runId: row.lastRunId, at: iso(row.lastWrittenAt) },
    rowsChanged: row.lastRows,
    rowCount: table === null ? null : (counts.get(table) ?? null),
  };
}

/** `DB` tables counted per answer (D1 bounds the queries of one invocation); the rest show `rowCount: null`. */
const MAX_COUNTED_TABLES = 40;

async function countsOf(env: Env, rows: DatasetCatalogRow[]): Promise<Map<string, number>> {
  const tables = rows
    .map((r) => d1TableOf(r.uri))
    .filter((t): t is string => t !== null)
    .slice(0, MAX_COUNTED_TABLES);
  try {
    return await tableRowCounts(env.DB, tables);
  } catch (err) {
    console.error("counting dataset rows failed", err);
    return new Map();
  }
}

/** The URI after `/datasets/` in the request's path, raw (`d1://x`) or percent-encoded (`d1%3A%2F%2Fx`). */
function datasetFromPath(url: string): string {
  const path = new URL(url).pathname;
  const at = path.indexOf("/datasets/");
  let raw = path.slice(at + "/datasets/".length);
  try {
    raw = decodeURIComponent(raw);
  } catch {
    apiError(400, "invalid_request", "uri: not a percent-encoded dataset URI", [{ path: "uri", message: "not a percent-encoded dataset URI" }]);
  }
  return canonicalDatasetUri(parseOr400(z.object({ uri: DatasetQuerySchema }), { uri: raw }).uri);
}

/** `/api/lineage`: datasets, dataset walks and column walks over the recorded lineage. */
export const lineageApi = new Hono<{ Bindings: Env }>()
  .get("/datasets", async (c) => {
    const q = parseOr400(ListQuerySchema, c.req.query());
    const limit = q.limit ?? 100;
    const rows = await listDatasets(c.env.CATALOG, { limit: limit + 1, ...(q.cursor ? { after: q.cursor } : {}) });
    const page = rows.slice(0, limit);
    const counts = await countsOf(c.env, page);
    return c.json({ datasets: page.map((r) => datasetView(r, counts)), nextCursor: rows.length > limit ? (page.at(-1)?.uri ?? null) : null });
  })
  // `:uri{.+}` (not `*`) so the typed client can fill it; the handler reads the URI from the raw path.
  .get("/datasets/:uri{.+}", validator("query", (v) => parseOr400(DatasetWalkQuerySchema, v)), async (c) => {
    const uri = datasetFromPath(c.req.url);
    const q = c.req.valid("query");
    const tasks = await currentLineage(c.env.CATALOG);
    const known = await datasetsByUri(c.env.CATALOG, [uri]);
    if (!known.has(uri) && !mentionsDataset(tasks, uri)) apiError(404, "not_found", `no dataset '${uri}' in the lineage`);
    const direction = q.direction ?? "both";
    const walk = walkDatasetsBoth(datasetGraphOf(tasks), uri, {
      direction,
      ...(q.depth === undefined ? {} : { maxDepth: q.depth }),
      maxNodes: q.maxNodes ?? DEFAULT_MAX_NODES,
    });
    const reached = datasetsReached(uri, walk.edges);
    const rows = await datasetsByUri(c.env.CATALOG, reached);
    const counts = await countsOf(c.env, [...rows.values()]);
    return c.json({
      dataset: uri,
      direction,
      datasets: reached.map((u) => {
        const row = rows.get(u);
        return row ? datasetView(row, counts) : { uri: u, kind: datasetKind(u), lastWriter: null, rowsChanged: null, rowCount: null };
      }),
      edges: walk.edges,
      nodes: walk.nodes,
      depth: walk.depth,
      maxDepth: walk.maxDepth,
      maxNodes: walk.maxNodes,
      truncated: walk.truncated,
    });
  })
  .get("/columns", validator("query", (v) => parseOr400(ColumnWalkQuerySchema, v)), async (c) => {
    const q = c.req.valid("query");
    const dataset = canonicalDatasetUri(q.dataset);
    const column = q.column.toLowerCase();
    const tasks = await currentLineage(c.env.CATALOG);
    if (!mentionsDataset(tasks, dataset)) apiError(404, "not_found", `no dataset '${dataset}' in the lineage`);
    const direction = q.direction ?? "upstream";
    const walk = walkColumns(columnGraphOf(tasks), { dataset, column }, {
      direction,
      ...(q.depth === undefined ? {} : { maxDepth: q.depth }),
      maxNodes: q.maxNodes ?? DEFAULT_MAX_NODES,
    });
    return c.json({
      dataset,
      column,
      direction,
      edges: walk.edges.map((e) => ({ from: e.from, to: e.to, type: e.type, subtype: e.subtype, dagId: e.dagId, taskId: e.taskId, runId: e.runId })),
      nodes: walk.nodes,
      depth: walk.depth,
      maxDepth: walk.maxDepth,
      maxNodes: walk.maxNodes,
      truncated: walk.truncated,
    });
  });

/** `/api/openlineage`: the RunEvents of every run and task attempt, derived from the catalog. */
export const openLineageApi = new Hono<{ Bindings: Env }>().get("/events", async (c) => {
  const q = parseOr400(EventsQuerySchema, c.req.query());
  let after: { at: number; key: string } | null = null;
  if (q.cursor !== undefined) {
    after = decodeFeedCursor(q.cursor);
    if (after === null) apiError(400, "invalid_request", "cursor: not a cursor returned by this endpoint", [{ path: "cursor", message: "not a cursor returned by this endpoint" }]);
  } else if (q.since !== undefined) {
    // Events at or after `since`: the cursor just before its first millisecond.
    const at = /^\d+$/.test(q.since) ? Number(q.since) : Date.parse(q.since);
    after = { at: at - 1, key: "\uffff" };
  }
  const feed = await readFeed(c.env, after, q.limit ?? 100);
  return c.json({ events: feed.events.map((e) => e.event), next: feed.next ?? q.cursor ?? null, more: feed.more });
});
