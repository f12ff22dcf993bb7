import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { consumeTasks } from "../../src/queue/consumer";
import type { TaskMessage } from "../../src/queue/messages";

/**
 * Captures what coordinators send to TASKS instead of letting the local queue
 * deliver it, so a test decides when (and how often) each message reaches the
 * real consumer code. The coordinators and the test share one `env`.
 */
export function manualQueue() {
  const pending: TaskMessage[] = [];
  const spy = vi.spyOn(env.TASKS, "sendBatch").mockImplementation(async (messages) => {
    for (const m of messages) pending.push(m.body as TaskMessage);
    return undefined as unknown as QueueSendBatchResponse;
  });
  let n = 0;

  /** Delivers `bodies` (default: everything pending) as one batch to the consumer. */
  async function deliver(opts: { bodies?: TaskMessage[]; env?: Env } = {}) {
    const bodies = opts.bodies ?? pending.splice(0, pending.length);
    const batch = createMessageBatch<TaskMessage>(
      "switchyard-tasks",
      bodies.map((body) => ({ id: `m${++n}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await consumeTasks(batch, opts.env ?? env);
    return getQueueResult(batch, ctx);
  }

  /** Delivers until nothing is pending; returns how many batches it took. */
  async function drain(opts: { env?: Env } = {}) {
    let batches = 0;
    while (pending.length > 0 && batches < 1_000) {
      await deliver(opts);
      batches += 1;
    }
    return batches;
  }

  /** How many messages coordinators sent (delivered or not). */
  const sent = (): number => spy.mock.calls.reduce((n, [messages]) => n + [...messages].length, 0);

  return { pending, deliver, drain, sent, restore: () => spy.mockRestore() };
}
