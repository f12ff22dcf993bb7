import { Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { datasetEventsOf, listDatasets } from "../db/dataset-events";
import { canonicalDatasetUri } from "../lineage/dataset-uri";
import { iso } from "../run/view";
import { parseOr400 } from "./input";

const EventsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
});

/** `/api/datasets`: datasets with their last update, producers and consumers; a dataset's update events. */
export const datasetsApi = new Hono<{ Bindings: Env }>()
  .get("/", async (c) => {
    const { updates, producers, consumers } = await listDatasets(c.env.CATALOG);
    const byUri = new Map<string, { uri: string; lastUpdate: string | null; events: number; producers: Array<{ dagId: string; taskId: string }>; consumers: string[] }>();
    const entry = (uri: string) => {
      let e = byUri.get(uri);
      if (!e) {
        e = { uri, lastUpdate: null, events: 0, producers: [], consumers: [] };
        byUri.set(uri, e);
      }
      return e;
    };
    for (const u of updates) Object.assign(entry(u.uri), { lastUpdate: iso(u.lastUpdate), events: u.events });
    for (const p of producers) entry(p.uri).producers.push({ dagId: p.dagId, taskId: p.taskId });
    for (const k of consumers) entry(k.uri).consumers.push(k.dagId);
    return c.json({ datasets: [...byUri.values()].sort((a, b) => a.uri.localeCompare(b.uri)) });
  })
  .get("/:uri{.+}/events", validator("query", (v) => parseOr400(EventsQuerySchema, v)), async (c) => {
    const uri = canonicalDatasetUri(decodeURIComponent(c.req.param("uri")));
    const q = c.req.valid("query");
    const rows = await datasetEventsOf(c.env.CATALOG, uri, q.limit ?? 100, q.before === undefined ? undefined : Date.parse(q.before));
    return c.json({
      uri,
      events: rows.map((r) => ({
        eventId: r.eventId,
        dagId: r.dagId,
        runId: r.runId,
        taskId: r.taskId,
        attempt: r.attempt,
        producedAt: iso(r.producedAt),
        extra: r.extraJson === null ? null : (JSON.parse(r.extraJson) as unknown),
      })),
    });
  });
