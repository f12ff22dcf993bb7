import { validateRunParams } from "../dag/params";
import { storedSpec } from "../dag/compiled";
import { parseZonedTime } from "../scheduling/local-time";
import { ds } from "../scheduling/schedule";
import type { SpecIssue } from "../lib/issues";
import { catalog, latestDagVersion } from "../db/catalog";
import { logicalDateRunKey, newRunId, runIdForKey } from "../lib/ids";
import { dagFor } from "../dags/client";
import { coordinatorFor } from "../run/client";
import { isFinishedRun } from "../run/types";
import type { Offer } from "../run/machine";
import type { RunHeader, RunTrigger } from "../run/types";
import type { WorkOrder } from "../run/work-order";
import type { RunSummary } from "../run/view";

/** A "start run" command, whatever started it (API, cron, webhook, R2, upstream run, parent run). */
export interface StartRunCommand {
  dagId: string;
  params: Record<string, unknown>;
  trigger: RunTrigger;
  /** Idempotency key: the same key for the same DAG returns the existing run and starts nothing. */
  runKey?: string;
  /**
   * A date or time in the DAG's timezone: the run is the DAG's run of that logical date (at most
   * one per date; runKey then must be absent), its data interval the exact instant (Airflow's
   * manual runs).
   */
  logicalDate?: string;
  parent?: NonNullable<RunHeader["parent"]>;
  depth?: number;
  /** The caller offers to run the run's first ready tasks itself (they come back as `orders`). */
  offer?: Offer;
}

export type StartRunResult =
  | { kind: "no_dag" }
  | { kind: "invalid_params"; issues: SpecIssue[] }
  | { kind: "started" | "existing"; run: RunSummary; orders: WorkOrder[] };

/**
 * Starts a run of the DAG's latest version after checking the params against
 * its declarations (defaults filled). The run id is derived from the runKey
 * when there is one, so concurrent triggers with one key meet in the same
 * RunCoordinator and only the first creates the run.
 */
export async function startRun(env: Env, cmd: StartRunCommand): Promise<StartRunResult> {
  const version = await latestDagVersion(catalog(env.CATALOG), cmd.dagId);
  if (!version) return { kind: "no_dag" };
  const spec = storedSpec(version.specJson);
  const params = validateRunParams(spec.params, cmd.params);
  if (!params.ok) return { kind: "invalid_params", issues: params.issues };
  let dated: { logicalDate: string; dataIntervalStart: string; dataIntervalEnd: string; ds: string } | undefined;
  if (cmd.logicalDate !== undefined) {
    const timezone = spec.timezone ?? "UTC";
    const ms = parseZonedTime(cmd.logicalDate, timezone);
    if (ms === undefined) return { kind: "invalid_params", issues: [{ path: "logicalDate", message: `not a date or date-time: '${cmd.logicalDate}'` }] };
    const at = new Date(ms).toISOString();
    dated = { logicalDate: at, dataIntervalStart: at, dataIntervalEnd: at, ds: ds(ms, timezone) };
  }
  const runKey = cmd.runKey ?? (dated === undefined ? undefined : logicalDateRunKey(dated.logicalDate));
  const runId = runKey === undefined ? newRunId() : runIdForKey(cmd.dagId, runKey);
  const stored = {
    runId,
    dagId: cmd.dagId,
    dagVersion: version.version,
    params: params.params,
    trigger: cmd.trigger,
    ...(runKey === undefined ? {} : { runKey }),
    ...dated,
    ...(cmd.parent === undefined ? {} : { parent: cmd.parent }),
    ...(cmd.depth === undefined ? {} : { depth: cmd.depth }),
  };
  // The DAG's object counts the run against maxActiveRuns (queued when full); the run is created here.
  const dag = dagFor(env, cmd.dagId);
  const { queued } = await dag.reserve(stored);
  const { created, run, orders } = await coordinatorFor(env, runId).start({
    ...stored,
    specJson: version.specJson,
    queued,
    ...(cmd.offer === undefined ? {} : { offer: cmd.offer }),
  });
  // A run key (or logical date) naming a run that already ended: its reservation goes at once.
  if (!created && isFinishedRun(run.status)) await dag.runEnded(cmd.dagId, { runId, eventId: `${runId}:${Math.max(1, run.ends)}`, status: run.status });
  return { kind: created ? "started" : "existing", run, orders };
}
