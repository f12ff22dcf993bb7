import { dagFor } from "../dags/client";
import { triggersFor } from "../db/dag-triggers";
import { TriggerSpecSchema } from "../events/trigger-spec";
import type { RunEnded } from "../run/machine";

/**
 * A run ended: every DAG with a `dag` trigger on its DAG gets the event (an index lookup by the
 * upstream DAG). The downstream object decides by status and starts one run per upstream end:
 * the run id comes from the upstream's logical date, or from the `RunEnded` event id, so a
 * repeated delivery, or two upstream runs ending in the same millisecond, lose and double nothing.
 */
export async function notifyDownstreamDags(env: Env, e: RunEnded): Promise<void> {
  const rows = await triggersFor(env.CATALOG, "dag", e.dagId);
  for (const row of rows) {
    const trigger = TriggerSpecSchema.parse(JSON.parse(row.configJson));
    if (trigger.type !== "dag") continue;
    await dagFor(env, row.dagId).event(row.dagId, {
      kind: "upstream",
      position: row.position,
      trigger,
      upstream: {
        dagId: e.dagId,
        runId: e.runId,
        status: e.status,
        logicalDate: e.logicalDate,
        dataIntervalStart: e.dataIntervalStart ?? null,
        dataIntervalEnd: e.dataIntervalEnd ?? null,
        eventId: e.eventId,
      },
    });
  }
}
