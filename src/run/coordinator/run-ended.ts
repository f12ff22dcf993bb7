import { insertRunEvent } from "../../db/run-events";
import type { RunEnded } from "../machine";

/**
 * The consumers of a run's `RunEnded` command. Today: the catalog's run-event
 * log (`run_events`), keyed by the event id so a repeated delivery is a no-op.
 * Cross-run features (per-DAG `maxActiveRuns`, upstream and dataset triggers,
 * OpenLineage export) subscribe here.
 */
export async function recordRunEnded(env: Env, event: RunEnded): Promise<void> {
  await insertRunEvent(env.CATALOG, {
    eventId: event.eventId,
    runId: event.runId,
    dagId: event.dagId,
    dagVersion: event.dagVersion,
    status: event.status,
    logicalDate: event.logicalDate,
    triggerJson: JSON.stringify(event.trigger),
    datasetsJson: JSON.stringify(event.datasetsWritten),
    startedAt: event.startedAt,
    endedAt: event.endedAt,
    recordedAt: Date.now(),
  });
}
