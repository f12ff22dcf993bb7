import { truncateMessage } from "../../lib/truncate";
import type { QueueMessage } from "../../queue/messages";
import { poolFor } from "../../pools/client";
import { deliverDatasetUpdates } from "../../triggers/dataset-updates";
import type { WorkRef } from "../types";
import { coordinatorFor } from "../client";
import type { CommandOf, Offer } from "../machine";
import type { WorkOrder } from "../work-order";
import type { AlertRecord, AlertStore } from "./alert-store";
import type { OutboxEntry } from "./outbox";

/** Messages per `sendBatch` call (the Queues limit). */
const SEND_BATCH = 100;
/** Deliveries of one alert before it is recorded as failed. */
export const ALERT_MAX_ATTEMPTS = 5;
/** An alert delivery's error is cut to this many characters (it is shown in the run's view). */
const ALERT_ERROR_CHARS = 1_500;
/** How long one alert POST may take. */
const ALERT_TIMEOUT_MS = 10_000;

/** What the handlers need from the coordinator. */
export interface DeliveryHost {
  env: Env;
  runId: string;
  alerts: AlertStore;
  /** Hands a `RunEnded` event to its consumers (the catalog's run-event log). */
  runEnded: (command: CommandOf<"RunEnded">) => Promise<void>;
  /** Applies a pool's answer to this run (its leases granted or refused). */
  poolAnswered: (answer: { pool: string; granted: WorkRef[]; refused: Array<WorkRef & { message: string }> }) => Promise<void>;
}

/** Work a parent run handed to the worker through a child's `NotifyParent`. */
export interface HandOff {
  runId: string;
  orders: WorkOrder[];
}

/**
 * Carries out one outbox command; throws to have it retried. Every consumer is
 * idempotent: a queue message names one attempt, the parent and a child ignore
 * a repeated notification or cancel, an alert is recorded by its id, and the
 * run-event log ignores an event id it has.
 */
export async function deliver(host: DeliveryHost, entry: OutboxEntry, offer?: Offer): Promise<HandOff | undefined> {
  const c = entry.command;
  switch (c.type) {
    case "DispatchAttempts": {
      const bodies: QueueMessage[] = c.refs.map((r) => ({ v: 1, runId: host.runId, taskKey: r.taskKey, attempt: r.attempt }));
      for (let i = 0; i < bodies.length; i += SEND_BATCH) {
        await host.env.TASKS.sendBatch(bodies.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: "json" as const })));
      }
      return undefined;
    }
    case "NotifyParent": {
      const { orders } = await coordinatorFor(host.env, c.parentRunId).childFinished({
        taskKey: c.taskKey,
        attempt: c.attempt,
        childRunId: c.childRunId,
        status: c.status,
        ...(offer === undefined ? {} : { offer }),
      });
      return orders.length > 0 ? { runId: c.parentRunId, orders } : undefined;
    }
    case "CancelChildRun":
      await coordinatorFor(host.env, c.childRunId).cancel(c.reason);
      return undefined;
    case "DeliverAlert":
      await deliverAlert(host, c, entry.tries + 1);
      return undefined;
    case "RunEnded":
      await host.runEnded(c);
      return undefined;
    case "DatasetsUpdated":
      await deliverDatasetUpdates(host.env, c);
      return undefined;
    case "UpdatePoolLeases": {
      // The pool answers what it granted or refused at once; later grants come through `poolAnswered`.
      const answer = await poolFor(host.env, c.pool).update({ runId: host.runId, release: c.release, acquire: c.acquire });
      if (answer.granted.length > 0 || answer.refused.length > 0) {
        await host.poolAnswered({
          pool: c.pool,
          granted: answer.granted.map((r) => ({ taskKey: r.taskKey, attempt: r.attempt })),
          refused: answer.refused.map((r) => ({ taskKey: r.taskKey, attempt: r.attempt, message: r.message })),
        });
      }
      return undefined;
    }
  }
}

/**
 * Posts a failure alert's JSON summary to its webhook. A non-2xx answer or a
 * network error is retried (thrown) until the last try, which records it as
 * `failed`; each try is recorded on the run.
 */
async function deliverAlert(host: DeliveryHost, c: CommandOf<"DeliverAlert">, attempt: number): Promise<void> {
  const { alert } = c;
  const record = host.alerts.get(alert.alertId);
  if (record && record.status !== "pending") return; // delivered (or given up) before
  const base = (host.env.PUBLIC_URL || "").replace(/\/$/, "");
  const payload = { ...alert.summary, link: `${base}/api/runs/${alert.summary.runId}`, attempt };
  let error: string | undefined;
  // A timer of our own, cleared when the post is done: a pending `AbortSignal.timeout` would keep
  // the object from being evicted until it fired.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${ALERT_TIMEOUT_MS / 1_000} s`)), ALERT_TIMEOUT_MS);
  try {
    const res = await fetch(alert.target.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(alert.target.headers ?? {}) },
      body: JSON.stringify(payload),
      signal: controller.signal,
    });
    if (!res.ok) error = `HTTP ${res.status}`;
    await res.body?.cancel();
  } catch (err) {
    error = truncateMessage(err instanceof Error ? err.message : String(err), ALERT_ERROR_CHARS);
  } finally {
    clearTimeout(timer);
  }
  const next: AlertRecord = { ...(record ?? { ...alert, status: "pending", attempts: 0 }), attempts: attempt };
  if (error === undefined) {
    next.status = "delivered";
    delete next.lastError;
  } else {
    next.lastError = error;
    if (attempt >= ALERT_MAX_ATTEMPTS) next.status = "failed";
  }
  host.alerts.put(next);
  if (error !== undefined && next.status === "pending") throw new Error(`alert ${alert.alertId}: ${error}`);
}
