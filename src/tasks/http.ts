import { TaskFailure, type RetryAdvice } from "./errors";
import type { Executor } from "./executor";
import { parseRetryAfter } from "./retry-after";

/** Bytes of a failing response body quoted in the error. */
const ERROR_BODY_CHARS = 500;

/**
 * Whether a failing status is worth retrying. A 4xx says the request itself
 * is wrong (the same request gets the same answer), except 408 (the server
 * timed out waiting) and 429 (too many requests): those and every 5xx are
 * retried. A 429 or 503 with `Retry-After` asks the retry to wait.
 */
export function httpRetryAdvice(status: number, retryAfter: string | null, now: number): RetryAdvice {
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { retryable: false };
  const wait = status === 429 || status === 503 ? parseRetryAfter(retryAfter, now) : undefined;
  return wait === undefined ? {} : { retryAfterMs: wait };
}

/**
 * `http` tasks: a 2xx response succeeds and its JSON body (or text) is the
 * output; any other status or a network error fails the attempt (for good
 * on most 4xx: see `httpRetryAdvice`). Each request carries the run, task
 * and attempt so the far side can deduplicate retries.
 */
export const executeHttp: Executor<"http"> = async (order, { signal }) => {
  const { request } = order.task;
  const method = request.method ?? "GET";
  const headers = new Headers(request.headers ?? {});
  headers.set("X-Switchyard-Run-Id", order.runId);
  headers.set("X-Switchyard-Task-Id", order.taskKey);
  headers.set("X-Switchyard-Attempt", String(order.attempt));
  let body: string | undefined;
  if (request.body !== undefined && method !== "GET" && method !== "HEAD") {
    body = JSON.stringify(request.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  let res: Response;
  try {
    res = await fetch(request.url, { method, headers, body, signal });
  } catch (err) {
    if (signal.aborted) throw new TaskFailure(`timed out after ${order.timeoutMs} ms`, "timeout");
    throw new TaskFailure(`request failed: ${err instanceof Error ? err.message : String(err)}`, "network");
  }
  const text = method === "HEAD" ? "" : await res.text();
  if (!res.ok) {
    throw new TaskFailure(
      `HTTP ${res.status} ${res.statusText}: ${text.slice(0, ERROR_BODY_CHARS)}`.trim(),
      "http_status",
      httpRetryAdvice(res.status, res.headers.get("retry-after"), Date.now()),
    );
  }
  if ((res.headers.get("content-type") ?? "").includes("json") && text !== "") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
};
