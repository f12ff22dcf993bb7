import { validateRunParams } from "../dag/params";
import { storedSpec } from "../dag/compiled";
import type { SpecIssue } from "../lib/issues";
import { catalog, latestDagVersion } from "../db/catalog";
import { newRunId, runIdForKey } from "../lib/ids";
import { coordinatorFor } from "../run/client";
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
  const runId = cmd.runKey === undefined ? newRunId() : await runIdForKey(cmd.dagId, cmd.runKey);
  const { created, run, orders } = await coordinatorFor(env, runId).start({
    runId,
    dagId: cmd.dagId,
    dagVersion: version.version,
    specJson: version.specJson,
    params: params.params,
    trigger: cmd.trigger,
    ...(cmd.runKey === undefined ? {} : { runKey: cmd.runKey }),
    ...(cmd.logicalDate === undefined ? {} : { logicalDate: cmd.logicalDate }),
    ...(cmd.parent === undefined ? {} : { parent: cmd.parent }),
    ...(cmd.depth === undefined ? {} : { depth: cmd.depth }),
    ...(cmd.offer === undefined ? {} : { offer: cmd.offer }),
  });
  return { kind: created ? "started" : "existing", run, orders };
}
