import { dagFor } from "../dags/client";
import { triggersFor } from "../db/dag-triggers";
import { R2NotificationSchema, r2TriggerMatches } from "../events/r2-notification";
import { TriggerSpecSchema } from "../events/trigger-spec";

/**
 * The `switchyard-events` queue: R2 event notifications. Each message is parsed (a malformed one
 * is acked and logged, never retried forever), matched by an index lookup on its bucket (then
 * prefix, suffix and event type), and handed to each matching DAG's object, which starts one run
 * per object version (or gathers it into a batch). A failure to reach an object retries that
 * message; what was already handed on is counted once by the object.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = R2NotificationSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(`events: dropping a malformed R2 notification: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      message.ack();
      continue;
    }
    const n = parsed.data;
    try {
      for (const row of await triggersFor(env.CATALOG, "r2", n.bucket)) {
        const trigger = TriggerSpecSchema.parse(JSON.parse(row.configJson));
        if (trigger.type !== "r2" || !r2TriggerMatches(trigger, n)) continue;
        await dagFor(env, row.dagId).event(row.dagId, { kind: "r2", position: row.position, trigger, notification: n });
      }
      message.ack();
    } catch (err) {
      console.error(`events: R2 notification for ${n.bucket}/${n.object.key} failed; retrying`, err);
      message.retry({ delaySeconds: 1 });
    }
  }
}
