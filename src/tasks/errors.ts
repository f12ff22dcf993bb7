import { NonRetriableError, RetryAfterError } from "../functions/define";
import { truncateMessage } from "../lib/truncate";
import { MAX_RETRY_AFTER_MS } from "../run/rpc";
import type { TaskError } from "../run/types";

/** Whether a failure is worth retrying, and how long the retry should wait. */
export interface RetryAdvice {
  /** false: retrying cannot help (a fault of the spec, an HTTP 4xx); default true. */
  retryable?: boolean;
  /** Wait at least this long before the retry (HTTP `Retry-After`). */
  retryAfterMs?: number;
}

/**
 * A failed attempt with a machine-readable code (`http_status`, `timeout`,
 * `sql`, …) and retry advice: the error says whether and when to retry, the
 * run's machine decides (with the task's `retries`).
 */
export class TaskFailure extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    readonly code: string,
    advice: RetryAdvice = {},
  ) {
    super(message);
    this.name = "TaskFailure";
    this.retryable = advice.retryable ?? true;
    this.retryAfterMs = advice.retryAfterMs;
  }
}

/**
 * A failure no retry can mend, a fault of the spec: an unknown function or
 * child DAG, args or params failing their schema, a template that cannot
 * render, nesting too deep, a task type with no executor.
 */
export function specFailure(message: string, code: string): TaskFailure {
  return new TaskFailure(message, code, { retryable: false });
}

/** A wait asked for, as the wire carries it: whole ms, 0 to one hour; undefined if not a number. */
function boundedWait(ms: number | undefined): number | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/** The retry fields of a TaskError: absent when retryable with no wait, so stored errors stay as before. */
function advice(retryable: boolean, retryAfterMs: number | undefined): Pick<TaskError, "retryable" | "retryAfterMs"> {
  const wait = boundedWait(retryAfterMs);
  return { ...(retryable ? {} : { retryable: false }), ...(wait === undefined ? {} : { retryAfterMs: wait }) };
}

/** Text of a thrown value that is not an Error; never throws (a null-prototype object has no toString). */
function textOf(err: unknown): string {
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/**
 * The TaskError of whatever an attempt threw: its message bounded (so the
 * report carrying it always fits the RPC schema), its code, and whether and
 * when to retry. `NonRetriableError` and `RetryAfterError` are what function
 * tasks throw to say so; any other error is retryable.
 */
export function toTaskError(err: unknown): TaskError {
  if (err instanceof TaskFailure) {
    return { message: truncateMessage(err.message), code: err.code, ...advice(err.retryable, err.retryAfterMs) };
  }
  if (err instanceof NonRetriableError) {
    return { message: truncateMessage(err.message || err.name), code: "error", ...advice(false, undefined) };
  }
  if (err instanceof RetryAfterError) {
    return { message: truncateMessage(err.message || err.name), code: "error", ...advice(true, err.retryAfterMs) };
  }
  if (err instanceof Error) return { message: truncateMessage(err.message || err.name), code: "error" };
  return { message: truncateMessage(textOf(err)), code: "error" };
}
