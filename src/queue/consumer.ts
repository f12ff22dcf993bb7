import { runAttempt } from "../tasks";
import type { WorkOrder } from "../run/work-order";
import type { WorkRef } from "../run/types";
import { QueueMessageSchema, type AlertMessage } from "./messages";
import { deliverAlert } from "./alerts";
import { coordinatorFor } from "../run/client";

/**
 * Bounds of one consumer invocation that keeps running continued work: well
 * inside the Queues consumer limits (15 min wall time), so a long chain hands
 * back to the queue instead of hitting a platform limit mid-task.
 */
export interface ConsumerBudget {
  /** Stop asking for continued work after this long (ms since the batch arrived). */
  wallMs: number;
  /** Stop asking for continued work after this many attempts in one invocation. */
  maxAttempts: number;
}

export const DEFAULT_CONSUMER_BUDGET: ConsumerBudget = { wallMs: 30_000, maxAttempts: 1_000 };

/**
 * A report offers room for as many new tasks as it reports, and at least this
 * many (`CONTINUATION_MIN`): after one task, a diamond's two branches both
 * continue here instead of one waiting for a queue hop.
 */
export const DEFAULT_CONTINUATION_MIN = 4;


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
  budget: ConsumerBudget = DEFAULT_CONSUMER_BUDGET,
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
  const started = Date.now();
  const counter = { attempts: 0 };
  const configuredMin = Number(env.CONTINUATION_MIN);
  const minCapacity = Number.isInteger(configuredMin) && configuredMin >= 0 ? configuredMin : DEFAULT_CONTINUATION_MIN;
  const wantMore = (n: number): boolean =>
    env.CONTINUATION !== "off" && Date.now() - started < budget.wallMs && counter.attempts + n <= budget.maxAttempts;
  await Promise.all([
    ...[...byRun].map(([runId, deliveries]) => driveRun(env, runId, deliveries, counter, wantMore, minCapacity)),
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
}

async function driveRun(
  env: Env,
  runId: string,
  deliveries: Delivery[],
  counter: { attempts: number },
  wantMore: (n: number) => boolean,
  minCapacity: number,
): Promise<void> {
  const stub = coordinatorFor(env, runId);
  let orders: WorkOrder[];
  try {
    ({ orders } = await stub.claim(deliveries.map((d) => d.ref)));
  } catch (err) {
    console.error(`run ${runId}: claim failed, messages will be redelivered`, err);
    for (const d of deliveries) d.message.retry();
    return;
  }
  let pending: Delivery[] | undefined = deliveries;
  while (orders.length > 0) {
    const outcomes = await Promise.all(orders.map((o) => runAttempt(o, env)));
    counter.attempts += outcomes.length;
    const capacity = wantMore(outcomes.length) ? Math.max(outcomes.length, minCapacity) : 0;
    try {
      ({ orders } = await stub.report({ outcomes, capacity }));
    } catch (err) {
      // Unreported queued attempts are redelivered; continued ones come back through their lease.
      console.error(`run ${runId}: report failed`, err);
      if (pending) for (const d of pending) d.message.retry();
      return;
    }
    if (pending) for (const d of pending) d.message.ack();
    pending = undefined;
  }
  // Nothing was granted (duplicates, stale attempts, a cancelled run): done with these messages.
  if (pending) for (const d of pending) d.message.ack();
}
