import { createHash } from "node:crypto";

/**
 * Every id and key Switchyard builds, in one place.
 */

const RUN_ID_PATTERN = /^[0-9a-f]{32}$/;

/** A fresh run id: 32 hex characters. */
export function newRunId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * The run id for an idempotent trigger: derived from (dagId, runKey), so the
 * same key always reaches the same RunCoordinator, which then starts nothing.
 * Synchronous (node:crypto), so a DAG's object decides and names runs in one
 * synchronous block.
 */
export function runIdForKey(dagId: string, runKey: string): string {
  return createHash("sha256").update(`${dagId}\n${runKey}`).digest("hex").slice(0, 32);
}

/** The runKey of a DAG's run for one logical date (scheduled, backfilled, or manual with a logical date): at most one run per (dagId, logicalDate). */
export function logicalDateRunKey(logicalDateIso: string): string {
  return `logical:${logicalDateIso}`;
}

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** Key of a task instance within its run: the task id, or `taskId[i]` for a mapped instance. */
export function taskKey(taskId: string, mapIndex: number | null): string {
  return mapIndex === null ? taskId : `${taskId}[${mapIndex}]`;
}

/** The PoolCoordinator of a pool: `idFromName` of this (pool names match the task id pattern, which has no `:`). */
export function poolObjectName(pool: string): string {
  return `pool:${pool}`;
}

/** The one PoolRegistry object: the index of pool names that `GET /api/pools` lists. */
export const POOL_REGISTRY_OBJECT = "pool-registry";

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
