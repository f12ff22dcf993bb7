import { dagFor } from "../dags/client";
import { triggersFor } from "../db/dag-triggers";
import { recordDatasetEvents } from "../db/dataset-events";
import { TriggerSpecSchema } from "../events/trigger-spec";
import { canonicalDatasetUri } from "../lineage/dataset-uri";
import type { CommandOf } from "../run/machine";

/**
 * A task's `DatasetsUpdated` (from its run's outbox, at least once): the updates are recorded in
 * D1's `dataset_events` (keyed by event id), then handed to every DAG whose `datasets` trigger
 * lists the dataset (an index lookup by URI). Each DAG's object counts an update once.
 */
export async function deliverDatasetUpdates(env: Env, c: CommandOf<"DatasetsUpdated">): Promise<void> {
  const updates = c.updates.map((u) => ({ ...u, uri: canonicalDatasetUri(u.uri) }));
  await recordDatasetEvents(
    env.CATALOG,
    updates.map((u) => ({
      eventId: u.eventId,
      uri: u.uri,
      dagId: u.dagId,
      runId: u.runId,
      taskId: u.taskId,
      attempt: u.attempt,
      extraJson: u.extra === undefined ? null : JSON.stringify(u.extra),
      producedAt: u.at,
    })),
  );
  for (const u of updates) {
    for (const row of await triggersFor(env.CATALOG, "datasets", u.uri)) {
      const trigger = TriggerSpecSchema.parse(JSON.parse(row.configJson));
      if (trigger.type !== "datasets") continue;
      await dagFor(env, row.dagId).event(row.dagId, { kind: "dataset", position: row.position, trigger, update: u });
    }
  }
}
