import { catalog, latestDagVersion } from "../db/catalog";
import { newRunId, runIdForKey } from "../lib/ids";
import type { RunTrigger } from "../run/types";
import type { RunView } from "../run/view";
import { coordinatorFor } from "../run/client";

/** A "start run" command, whatever started it (API, cron, webhook, R2, upstream run). */
export interface StartRunCommand {
  dagId: string;
  params: Record<string, unknown>;
  trigger: RunTrigger;
  /** Idempotency key: the same key for the same DAG returns the existing run and starts nothing. */
  runKey?: string;
  logicalDate?: string;
}

export type StartRunResult = { kind: "no_dag" } | { kind: "started" | "existing"; run: RunView };

/**
 * Starts a run of the DAG's latest version. The run id is derived from the
 * runKey when there is one, so concurrent triggers with one key meet in the
 * same RunCoordinator and only the first creates the run.
 */
export async function startRun(env: Env, cmd: StartRunCommand): Promise<StartRunResult> {
  const version = await latestDagVersion(catalog(env.CATALOG), cmd.dagId);
  if (!version) return { kind: "no_dag" };
  const runId = cmd.runKey === undefined ? newRunId() : await runIdForKey(cmd.dagId, cmd.runKey);
  const { created, run } = await coordinatorFor(env, runId).start({
    runId,
    dagId: cmd.dagId,
    dagVersion: version.version,
    specJson: version.specJson,
    params: cmd.params,
    trigger: cmd.trigger,
    ...(cmd.runKey === undefined ? {} : { runKey: cmd.runKey }),
    ...(cmd.logicalDate === undefined ? {} : { logicalDate: cmd.logicalDate }),
  });
  return { kind: created ? "started" : "existing", run };
}
