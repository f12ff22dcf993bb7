import { dagFor } from "../../dags/client";
import { runEventStatement } from "../../db/run-events";
import type { RunEnded } from "../machine";

/** What a `RunEnded` consumer may use: the catalog, and the run's history writer to share its batch. */
export interface RunEndedHost {
  env: Env;
  catalog: D1Database;
  /** Writes statements in the same D1 batch as the run's next history flush. */
  flushWith: (statements: D1PreparedStatement[]) => Promise<void>;
}

/**
 * The consumers of a run's `RunEnded` command. Today: the catalog's run-event
 * log (`run_events`), keyed by the event id so a repeated delivery is a no-op,
 * written in the same D1 batch as the run's final history (one D1 call for a
 * run's end, not two); then the DAG's object, whose `maxActiveRuns` slot (or
 * backfill's) the run frees and which hands the end to the DAGs with a `dag`
 * trigger on this one. Delivered at least once: each consumer is idempotent
 * by the event id.
 */
export async function recordRunEnded(host: RunEndedHost, event: RunEnded): Promise<void> {
  await host.flushWith([
    runEventStatement(host.catalog, {
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
    }),
  ]);
  // The DAG's object frees the run's slot and hands the end to the DAGs triggered by this one.
  await dagFor(host.env, event.dagId).runEnded(event.dagId, {
    dagId: event.dagId,
    runId: event.runId,
    status: event.status,
    logicalDate: event.logicalDate,
    dataIntervalStart: event.dataIntervalStart ?? null,
    dataIntervalEnd: event.dataIntervalEnd ?? null,
    eventId: event.eventId,
  });
}
