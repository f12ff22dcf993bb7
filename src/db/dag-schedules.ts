import { and, eq, gt, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { dagSchedules } from "./schema";

/** A DAG's scheduling as the catalog lists it (its DagCoordinator's projection). */
export type DagScheduleRow = typeof dagSchedules.$inferSelect;

/** What a DagCoordinator writes after each change of its scheduling state. */
export async function writeDagSchedule(
  d1: D1Database,
  row: Pick<DagScheduleRow, "dagId" | "appliedVersion" | "schedule" | "timezone" | "paused" | "nextRunAt" | "nextLogicalDate" | "updatedAt">,
): Promise<void> {
  const { dagId, ...set } = row;
  await drizzle(d1)
    .insert(dagSchedules)
    .values({ ...row, wantedVersion: row.appliedVersion })
    .onConflictDoUpdate({ target: dagSchedules.dagId, set });
}

/** DAGs whose next scheduled run is due at `now` (unpaused), oldest first, and DAGs with a version their object has not applied. */
export async function dagsNeedingTick(d1: D1Database, now: number, limit: number): Promise<string[]> {
  const db = drizzle(d1);
  const [due, unsynced] = await db.batch([
    db
      .select({ dagId: dagSchedules.dagId })
      .from(dagSchedules)
      .where(and(eq(dagSchedules.paused, 0), lte(dagSchedules.nextRunAt, now)))
      .orderBy(dagSchedules.nextRunAt)
      .limit(limit),
    db.select({ dagId: dagSchedules.dagId }).from(dagSchedules).where(gt(dagSchedules.wantedVersion, dagSchedules.appliedVersion)).limit(limit),
  ]);
  return [...new Set([...due, ...unsynced].map((r) => r.dagId))];
}
