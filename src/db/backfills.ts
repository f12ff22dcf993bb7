import { and, desc, eq, gte, inArray, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { backfills, runEvents, runs } from "./schema";

/** A backfill as the catalog lists it (its DagCoordinator's projection). */
export type BackfillRow = typeof backfills.$inferSelect;

export async function writeBackfill(d1: D1Database, row: BackfillRow): Promise<void> {
  const { backfillId, dagId, createdAt, ...set } = row;
  await drizzle(d1).insert(backfills).values(row).onConflictDoUpdate({ target: backfills.backfillId, set });
}

export async function backfillRow(d1: D1Database, backfillId: string): Promise<BackfillRow | undefined> {
  const [row] = await drizzle(d1).select().from(backfills).where(eq(backfills.backfillId, backfillId)).limit(1);
  return row;
}

export async function backfillsOf(d1: D1Database, dagId: string, limit: number): Promise<BackfillRow[]> {
  return drizzle(d1).select().from(backfills).where(eq(backfills.dagId, dagId)).orderBy(desc(backfills.createdAt)).limit(limit);
}

/** What the catalog knows of the runs of a DAG's logical dates in `[from, to]` (ISO): the run's status, and whether one of its ends succeeded. */
export async function logicalDateHistory(
  d1: D1Database,
  dagId: string,
  fromIso: string,
  toIso: string,
): Promise<Map<string, { status: string; succeeded: boolean }>> {
  const db = drizzle(d1);
  const [runRows, successes] = await db.batch([
    db
      .select({ logicalDate: runs.logicalDate, status: runs.status })
      .from(runs)
      .where(and(eq(runs.dagId, dagId), gte(runs.logicalDate, fromIso), lte(runs.logicalDate, toIso))),
    db
      .select({ logicalDate: runEvents.logicalDate })
      .from(runEvents)
      .where(and(eq(runEvents.dagId, dagId), inArray(runEvents.status, ["success"]), gte(runEvents.logicalDate, fromIso), lte(runEvents.logicalDate, toIso))),
  ]);
  const out = new Map<string, { status: string; succeeded: boolean }>();
  for (const r of runRows) if (r.logicalDate !== null) out.set(r.logicalDate, { status: r.status, succeeded: r.status === "success" });
  for (const e of successes) {
    if (e.logicalDate === null) continue;
    const h = out.get(e.logicalDate);
    if (h) h.succeeded = true;
  }
  return out;
}
