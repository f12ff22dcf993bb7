import { desc, eq, lt, and, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { dagTriggers, datasetEvents } from "./schema";

export type DatasetEventRow = typeof datasetEvents.$inferSelect;

/** Records dataset updates; a repeated event id changes nothing (delivery is at least once). */
export async function recordDatasetEvents(d1: D1Database, rows: Array<typeof datasetEvents.$inferInsert>): Promise<void> {
  if (rows.length === 0) return;
  const db = drizzle(d1);
  const [first, ...rest] = rows.map((r) => db.insert(datasetEvents).values(r).onConflictDoNothing({ target: datasetEvents.eventId }));
  if (first) await db.batch([first, ...rest]);
}

/** Every dataset with events or consumers: URI, last update, producers (dag/task), consumers (DAGs). */
export async function listDatasets(d1: D1Database) {
  const db = drizzle(d1);
  const [updates, producers, consumers] = await db.batch([
    db
      .select({ uri: datasetEvents.uri, lastUpdate: sql<number>`max(${datasetEvents.producedAt})`, events: sql<number>`count(*)` })
      .from(datasetEvents)
      .groupBy(datasetEvents.uri)
      .limit(10_000),
    db.selectDistinct({ uri: datasetEvents.uri, dagId: datasetEvents.dagId, taskId: datasetEvents.taskId }).from(datasetEvents).limit(10_000),
    db.selectDistinct({ uri: dagTriggers.key, dagId: dagTriggers.dagId }).from(dagTriggers).where(eq(dagTriggers.type, "datasets")).limit(10_000),
  ]);
  return { updates, producers, consumers };
}

/** A dataset's updates, newest first, before a cursor (its `producedAt`). */
export async function datasetEventsOf(d1: D1Database, uri: string, limit: number, before?: number): Promise<DatasetEventRow[]> {
  const cond = before === undefined ? eq(datasetEvents.uri, uri) : and(eq(datasetEvents.uri, uri), lt(datasetEvents.producedAt, before));
  return drizzle(d1).select().from(datasetEvents).where(cond).orderBy(desc(datasetEvents.producedAt)).limit(limit);
}
