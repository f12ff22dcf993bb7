import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { TriggerIndexRow } from "../events/trigger-index";
import { dagTriggers } from "./schema";

export type DagTriggerRow = typeof dagTriggers.$inferSelect;

/** The DAGs whose triggers an event names: (type, key) is an index lookup. */
export async function triggersFor(d1: D1Database, type: TriggerIndexRow["type"], key: string): Promise<DagTriggerRow[]> {
  return drizzle(d1).select().from(dagTriggers).where(and(eq(dagTriggers.type, type), eq(dagTriggers.key, key))).limit(1_000);
}

/** Every DAG trigger's edge upstream → downstream (to refuse cycles at registration). */
export async function upstreamEdges(d1: D1Database): Promise<Array<{ upstream: string; downstream: string }>> {
  const rows = await drizzle(d1).select({ upstream: dagTriggers.key, downstream: dagTriggers.dagId }).from(dagTriggers).where(eq(dagTriggers.type, "dag")).limit(100_000);
  return rows;
}

/** A DAG's triggers as indexed (the latest version's). */
export async function triggersOf(d1: D1Database, dagId: string): Promise<DagTriggerRow[]> {
  return drizzle(d1).select().from(dagTriggers).where(eq(dagTriggers.dagId, dagId)).orderBy(dagTriggers.position, dagTriggers.item);
}
