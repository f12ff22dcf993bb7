/**
 * The OpenLineage feed, pure: the catalog's moments (a run started, a run ended, an attempt
 * started, an attempt ended) turned into RunEvents, with no event row of their own. A run's
 * events come from `runs` and `run_events` (a retried run ends again), an attempt's from
 * `task_attempts`; an attempt's datasets and column lineage are what it recorded when it
 * succeeded, else its task version's static lineage. Each event carries a cursor: the point of
 * the feed it came from, so a reader (or the forwarder) goes on after it.
 */
import type { DagSpec } from "../dag/spec";
import { splitStatements } from "../tasks/sql";
import type { Lineage } from "./model";
import { dagRunEvent, taskRunEvent, type OpenLineageConfig, type RunEvent, type RunEventType, type SchemaField } from "./openlineage";

/** One moment of the feed, in time order; `key` orders the moments of one millisecond. */
export interface FeedPoint {
  kind: "run_start" | "run_end" | "attempt_start" | "attempt_end";
  at: number;
  key: string;
  runId: string;
  taskKey: string | null;
  attempt: number | null;
  /** run_end: the status the run ended with; attempts: the attempt's status. */
  status: string | null;
}

export interface FeedRun {
  runId: string;
  dagId: string;
  dagVersion: number;
  logicalDate: string | null;
  triggerType: string;
  triggerJson: string | null;
}

export interface FeedAttempt {
  runId: string;
  taskKey: string;
  attempt: number;
  taskId: string;
  status: string;
  startedAt: number | null;
  endedAt: number | null;
  errorJson: string | null;
}

/** What the points name, read from the catalog. */
export interface FeedDetails {
  runs: Map<string, FeedRun>;
  /** By `<runId>\n<taskKey>\n<attempt>`. */
  attempts: Map<string, FeedAttempt>;
  /** Parsed specs by `<dagId>\n<version>`. */
  specs: Map<string, DagSpec>;
  /** Static lineage by `<dagId>\n<version>\n<taskId>`. */
  staticLineage: Map<string, Lineage>;
  /** Recorded lineage by `<runId>\n<taskKey>\n<attempt>`. */
  recorded: Map<string, { lineage: Lineage; columns: Record<string, string[]> }>;
}

export interface FeedEvent {
  cursor: string;
  event: RunEvent;
}

export const attemptKey = (runId: string, taskKey: string, attempt: number): string => `${runId}\n${taskKey}\n${attempt}`;

/** A feed cursor: the point an event came from (opaque to readers: base64url of `<at>:<key>`). */
export function encodeFeedCursor(point: { at: number; key: string }): string {
  return btoa(`${point.at}:${point.key}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A cursor back to its point, or null when it is not one. */
export function decodeFeedCursor(cursor: string): { at: number; key: string } | null {
  try {
    const text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const colon = text.indexOf(":");
    const at = Number(text.slice(0, colon));
    if (colon <= 0 || !Number.isSafeInteger(at)) return null;
    return { at, key: text.slice(colon + 1) };
  } catch {
    return null;
  }
}

/** The event type of a run's end or an attempt's end. */
export function endEventType(status: string | null): RunEventType {
  if (status === "success") return "COMPLETE";
  if (status === "cancelled" || status === "abandoned") return "ABORT";
  return "FAIL";
}

/** RunEvents for the points (in their order); a point whose run or attempt is unknown is skipped. */
export function feedEvents(config: OpenLineageConfig, points: FeedPoint[], details: FeedDetails): FeedEvent[] {
  const out: FeedEvent[] = [];
  for (const point of points) {
    const event = eventOf(config, point, details);
    if (event) out.push({ cursor: encodeFeedCursor(point), event });
  }
  return out;
}

function eventOf(config: OpenLineageConfig, point: FeedPoint, d: FeedDetails): RunEvent | null {
  const run = d.runs.get(point.runId);
  if (!run) return null;
  const eventTime = new Date(point.at).toISOString();
  const nominal = { logicalDate: run.logicalDate };
  const lineageOf = parentOf(run, d);
  if (point.kind === "run_start" || point.kind === "run_end") {
    const eventType: RunEventType = point.kind === "run_start" ? "START" : endEventType(point.status);
    return dagRunEvent(config, { eventType, eventTime, runId: run.runId, dagId: run.dagId, ...nominal, ...lineageOf });
  }
  if (point.taskKey === null || point.attempt === null) return null;
  const key = attemptKey(run.runId, point.taskKey, point.attempt);
  const attempt = d.attempts.get(key);
  if (!attempt) return null;
  const eventType: RunEventType = point.kind === "attempt_start" ? "START" : endEventType(attempt.status);
  const task = d.specs.get(`${run.dagId}\n${run.dagVersion}`)?.tasks[attempt.taskId];
  const recorded = eventType === "COMPLETE" ? d.recorded.get(key) : undefined;
  const lineage = recorded?.lineage ?? d.staticLineage.get(`${run.dagId}\n${run.dagVersion}\n${attempt.taskId}`) ?? null;
  const schemas: Record<string, SchemaField[]> = {};
  for (const [uri, names] of Object.entries(recorded?.columns ?? {})) schemas[uri] = names.map((name) => ({ name }));
  return taskRunEvent(config, {
    eventType,
    eventTime,
    runId: run.runId,
    dagId: run.dagId,
    taskId: attempt.taskId,
    taskKey: attempt.taskKey,
    attempt: attempt.attempt,
    sql: task?.type === "sql" ? splitStatements(task.sql).join(";\n") : null,
    lineage,
    schemas,
    ...nominal,
    ...(lineageOf.root ? { root: lineageOf.root } : {}),
    error: eventType === "FAIL" ? errorMessage(attempt.errorJson) : null,
  });
}

/** A child DAG run's parent (the `dag` task's attempt that started it) and the root of its tree. */
function parentOf(run: FeedRun, d: FeedDetails) {
  const detail = triggerDetail(run);
  if (!detail) return {};
  const parentRun = d.runs.get(detail.parentRunId);
  const taskId = detail.taskId.replace(/\[\d+\]$/, "");
  let attempt = 1;
  for (const a of d.attempts.values()) if (a.runId === detail.parentRunId && a.taskKey === detail.taskId && a.attempt > attempt) attempt = a.attempt;
  let root = { runId: detail.parentRunId, dagId: detail.parentDagId };
  for (let hops = 0, up = parentRun; up && hops < 10; hops++) {
    const next = triggerDetail(up);
    if (!next) break;
    root = { runId: next.parentRunId, dagId: next.parentDagId };
    up = d.runs.get(next.parentRunId);
  }
  return { parent: { runId: detail.parentRunId, dagId: detail.parentDagId, taskKey: detail.taskId, taskId, attempt }, root };
}

/** The parent named by a `dag` trigger's detail (`parentRunId`, `parentDagId`, `taskId`). */
export function triggerDetail(run: FeedRun): { parentRunId: string; parentDagId: string; taskId: string } | null {
  if (run.triggerType !== "dag" || run.triggerJson === null) return null;
  try {
    const detail = (JSON.parse(run.triggerJson) as { detail?: Record<string, unknown> }).detail ?? {};
    const { parentRunId, parentDagId, taskId } = detail;
    return typeof parentRunId === "string" && typeof parentDagId === "string" && typeof taskId === "string" ? { parentRunId, parentDagId, taskId } : null;
  } catch {
    return null;
  }
}

function errorMessage(errorJson: string | null): string {
  if (errorJson === null) return "failed";
  try {
    const message = (JSON.parse(errorJson) as { message?: unknown }).message;
    return typeof message === "string" && message !== "" ? message : "failed";
  } catch {
    return "failed";
  }
}
