import { drizzle } from "drizzle-orm/d1";
import { desc, eq } from "drizzle-orm";
import { runEvents } from "./schema";

/** A run-end event as the catalog stores it. */
export type RunEventRow = typeof runEvents.$inferSelect;

/**
 * The statement that records one run-end event, for a D1 batch (the history writer's); a repeat of
 * the same event id changes nothing (delivery is at least once).
 */
export function runEventStatement(d1: D1Database, row: typeof runEvents.$inferInsert): D1PreparedStatement {
  const q = drizzle(d1).insert(runEvents).values(row).onConflictDoNothing({ target: runEvents.eventId }).toSQL();
  return d1.prepare(q.sql).bind(...q.params);
}

/** The run-end events of one run, oldest first. */
export async function runEventsOf(d1: D1Database, runId: string): Promise<RunEventRow[]> {
  return drizzle(d1).select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.endedAt);
}

/** The newest run-end events of a DAG. */
export async function latestRunEvents(d1: D1Database, dagId: string, limit: number): Promise<RunEventRow[]> {
  return drizzle(d1).select().from(runEvents).where(eq(runEvents.dagId, dagId)).orderBy(desc(runEvents.endedAt)).limit(limit);
}
