/**
 * OpenLineage run ids are UUIDs. A DAG run's id (32 hex characters) is one
 * already, written with dashes; a task attempt's is derived from (run id,
 * task key, attempt) with SHA-256, formatted as an RFC 9562 version-8 UUID,
 * so START and COMPLETE of one attempt share it and a re-emitted event is
 * the same event.
 */
import { createHash } from "node:crypto";

/** The OpenLineage run id of a DAG run. */
export function dagRunUuid(runId: string): string {
  return /^[0-9a-f]{32}$/.test(runId) ? dashed(runId) : uuidOf(`run\n${runId}`);
}

/** The OpenLineage run id of one attempt of a task instance (`taskKey`: `taskId` or `taskId[i]`). */
export function taskRunUuid(runId: string, taskKey: string, attempt: number): string {
  return uuidOf(`task\n${runId}\n${taskKey}\n${attempt}`);
}

function uuidOf(text: string): string {
  const bytes = createHash("sha256").update(text).digest().slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC variant
  return dashed([...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""));
}

function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
