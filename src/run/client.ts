import type { RunCoordinator } from "./coordinator/run-coordinator";

/**
 * The RunCoordinator's RPC surface as callers see it. Workers' RPC typings
 * turn `unknown`-typed JSON fields (outputs, params) into `never`; the values
 * are plain JSON, so callers use the class's own method types.
 */
export type CoordinatorClient = Pick<RunCoordinator, 
  | "start"
  | "release"
  | "rerunForBackfill"
  | "claim"
  | "report"
  | "heartbeat"
  | "childFinished"
  | "cancel"
  | "retry"
  | "clear"
  | "view"
  | "summary"
  | "attempts"
  | "poolAnswered"
  | "poolLeases">;

/** The coordinator of one run: `idFromName(runId)`, so any Worker reaches the same object. */
export function coordinatorFor(env: Env, runId: string): CoordinatorClient {
  return env.RUNS.get(env.RUNS.idFromName(runId)) as unknown as CoordinatorClient;
}
