import { coordinatorFor } from "../run/client";
import { CONSUMER_LIMITS, ContinuationBudget, runHandedBack, type BudgetLimits } from "../run/continuation";
import { DEFAULT_MACHINE_CONFIG } from "../run/machine";
import type { RefusedRef } from "../run/machine";
import type { WorkRef } from "../run/types";
import type { WorkOrder } from "../run/work-order";
import { numberVar } from "../lib/vars";
import { QueueMessageSchema } from "./messages";

interface Delivery {
  message: Message<unknown>;
  ref: WorkRef;
}

/**
 * The TASKS consumer: claims the batch's attempts from each run's
 * coordinator (one call per run), runs the granted ones, reports the outcomes
 * (one call per run per round) and runs whatever the run hands back, while
 * the budget lasts. Messages are acked once their outcome is reported; a
 * crash before that leaves them to be redelivered. A message whose attempt
 * another worker holds (`in_flight`: a duplicate delivery, or a resend while
 * the first worker still runs) is retried later instead of run, so one grant
 * means one execution.
 */
export async function consumeTasks(
  batch: MessageBatch<unknown>,
  env: Env,
  limits: BudgetLimits = CONSUMER_LIMITS,
): Promise<void> {
  const byRun = new Map<string, Delivery[]>();
  for (const message of batch.messages) {
    const parsed = QueueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error("dropping malformed queue message", message.id, parsed.error.issues);
      message.ack();
      continue;
    }
    const { runId, taskKey, attempt } = parsed.data;
    const list = byRun.get(runId) ?? [];
    list.push({ message, ref: { taskKey, attempt } });
    byRun.set(runId, list);
  }
  const budget = new ContinuationBudget(env, limits);
  try {
    await Promise.all([...byRun].map(([runId, deliveries]) => driveRun(env, runId, deliveries, budget)));
  } finally {
    // The invocation is done: no attempt of it is left to time out or heartbeat.
    budget.close();
  }
}

/** How long a message whose attempt is in flight elsewhere waits before it is looked at again. */
function inFlightDelaySeconds(env: Env): number {
  return Math.max(1, Math.ceil(numberVar(env.HEARTBEAT_TIMEOUT_MS, DEFAULT_MACHINE_CONFIG.heartbeatTimeoutMs) / 1_000));
}

async function driveRun(env: Env, runId: string, deliveries: Delivery[], budget: ContinuationBudget): Promise<void> {
  const run = coordinatorFor(env, runId);
  let orders: WorkOrder[];
  let refused: RefusedRef[];
  try {
    ({ orders, refused } = await run.claim(deliveries.map((d) => d.ref)));
  } catch (err) {
    console.error(`run ${runId}: claim failed, messages will be redelivered`, err);
    for (const d of deliveries) d.message.retry();
    return;
  }
  // Which delivery got which answer: a granted attempt once (the first copy), refusals in order.
  const granted = new Set(orders.map((o) => `${o.taskKey}#${o.attempt}`));
  const inFlight = new Map<string, number>();
  for (const r of refused) if (r.reason === "in_flight") inFlight.set(`${r.taskKey}#${r.attempt}`, (inFlight.get(`${r.taskKey}#${r.attempt}`) ?? 0) + 1);
  const running: Delivery[] = [];
  for (const d of deliveries) {
    const key = `${d.ref.taskKey}#${d.ref.attempt}`;
    if (granted.delete(key)) {
      running.push(d);
      continue;
    }
    const waiting = inFlight.get(key) ?? 0;
    if (waiting > 0) {
      // Another worker holds a fresh lease on this attempt: look again once it could have expired.
      inFlight.set(key, waiting - 1);
      d.message.retry({ delaySeconds: inFlightDelaySeconds(env) });
    } else {
      d.message.ack(); // stale, finished or cancelled: nothing to run
    }
  }
  let unacked = true;
  const ack = (): void => {
    if (unacked) for (const d of running) d.message.ack();
    unacked = false;
  };
  try {
    await runHandedBack(env, run, orders, budget, ack);
  } catch (err) {
    // Unreported granted attempts are redelivered (and refused while their lease is fresh);
    // continued ones come back through their lease.
    console.error(`run ${runId}: report failed`, err);
    if (unacked) for (const d of running) d.message.retry();
    return;
  }
  // Nothing was granted (duplicates, stale attempts, a cancelled run): done with these messages.
  ack();
}
