import { CONSUMER_LIMITS, ContinuationBudget, runHandedBack, type BudgetLimits } from "../run/continuation";
import type { WorkOrder } from "../run/work-order";
import type { WorkRef } from "../run/types";
import { QueueMessageSchema, type AlertMessage } from "./messages";
import { deliverAlert } from "./alerts";
import { coordinatorFor } from "../run/client";

interface Delivery {
  message: Message<unknown>;
  ref: WorkRef;
}

/**
 * The TASKS consumer: claims the batch's attempts from each run's
 * coordinator (one call per run), runs them, reports the outcomes (one call
 * per run per round) and runs whatever the run hands back, while the budget lasts.
 * Messages are acked once their outcome is reported; a crash before that
 * leaves them to be redelivered, and the coordinator's leases recover the
 * continued attempts.
 */
export async function consumeTasks(
  batch: MessageBatch<unknown>,
  env: Env,
  limits: BudgetLimits = CONSUMER_LIMITS,
): Promise<void> {
  const byRun = new Map<string, Delivery[]>();
  const alerts: Array<{ message: Message<unknown>; body: AlertMessage }> = [];
  for (const message of batch.messages) {
    const parsed = QueueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error("dropping malformed queue message", message.id, parsed.error.issues);
      message.ack();
      continue;
    }
    if (parsed.data.kind === "alert") {
      alerts.push({ message, body: parsed.data });
      continue;
    }
    const { runId, taskKey, attempt } = parsed.data;
    const list = byRun.get(runId) ?? [];
    list.push({ message, ref: { taskKey, attempt } });
    byRun.set(runId, list);
  }
  const budget = new ContinuationBudget(env, limits);
  try {
    await Promise.all([
      ...[...byRun].map(([runId, deliveries]) => driveRun(env, runId, deliveries, budget)),
      ...alerts.map(async (a) => {
        try {
          await deliverAlert(env, a.message, a.body);
        } catch (err) {
          // The run's coordinator did not answer: deliver the alert later rather than fail the batch.
          console.error(`alert ${a.body.alertId}: delivery bookkeeping failed, will retry`, err);
          a.message.retry({ delaySeconds: 5 });
        }
      }),
    ]);
  } finally {
    // The invocation is done: no attempt of it is left to time out.
    budget.timeouts.close();
  }
}

async function driveRun(env: Env, runId: string, deliveries: Delivery[], budget: ContinuationBudget): Promise<void> {
  const run = coordinatorFor(env, runId);
  let orders: WorkOrder[];
  try {
    ({ orders } = await run.claim(deliveries.map((d) => d.ref)));
  } catch (err) {
    console.error(`run ${runId}: claim failed, messages will be redelivered`, err);
    for (const d of deliveries) d.message.retry();
    return;
  }
  let unacked = true;
  const ack = (): void => {
    if (unacked) for (const d of deliveries) d.message.ack();
    unacked = false;
  };
  try {
    await runHandedBack(env, run, orders, budget, ack);
  } catch (err) {
    // Unreported queued attempts are redelivered; continued ones come back through their lease.
    console.error(`run ${runId}: report failed`, err);
    if (unacked) for (const d of deliveries) d.message.retry();
    return;
  }
  // Nothing was granted (duplicates, stale attempts, a cancelled run): done with these messages.
  ack();
}
