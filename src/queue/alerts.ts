import { truncateMessage } from "../lib/truncate";
import { coordinatorFor } from "../run/client";
import type { AlertMessage } from "./messages";

/** An alert delivery's error is cut to this many characters (the RPC schema allows 2,000). */
const ALERT_ERROR_CHARS = 1_500;

/** Deliveries of one alert before it is recorded as failed. */
export const ALERT_MAX_ATTEMPTS = 5;

/** Backoff between alert deliveries, in seconds: 2, 4, 8, 16 (capped at 5 minutes). */
export function alertRetryDelaySeconds(attempt: number): number {
  return Math.min(300, 2 ** attempt);
}

/**
 * Posts a failure alert's JSON summary to its webhook. A non-2xx answer or a
 * network error is retried through the queue with backoff; every attempt's
 * outcome is recorded on the run, and after the last it is `failed`.
 */
export async function deliverAlert(env: Env, message: Message<unknown>, body: AlertMessage): Promise<void> {
  const run = coordinatorFor(env, body.runId);
  const alert = await run.alert(body.alertId);
  if (!alert || alert.status !== "pending") {
    message.ack();
    return;
  }
  const attempt = message.attempts;
  const base = (env.PUBLIC_URL || "").replace(/\/$/, "");
  const payload = { ...alert.summary, link: `${base}/api/runs/${alert.summary.runId}`, attempt };
  let error: string | undefined;
  try {
    const res = await fetch(alert.target.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(alert.target.headers ?? {}) },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (err) {
    // Bounded at the source: the RPC schema refuses an alert error over 2,000 characters.
    error = truncateMessage(err instanceof Error ? err.message : String(err), ALERT_ERROR_CHARS);
  }
  const final = error === undefined || attempt >= ALERT_MAX_ATTEMPTS;
  await run.alertResult({ alertId: body.alertId, ok: error === undefined, attempt, final, ...(error === undefined ? {} : { error }) });
  if (final) message.ack();
  else message.retry({ delaySeconds: alertRetryDelaySeconds(attempt) });
}
