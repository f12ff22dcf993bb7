import { coordinatorFor } from "../run/client";
import { ContinuationBudget, runHandedBack, TRIGGER_LIMITS } from "../run/continuation";
import type { RunSummary } from "../run/view";
import { startRun, type StartRunCommand, type StartRunResult } from "./start-run";

/** Keeps a promise running after the response, as `ExecutionContext.waitUntil` does. */
export type WaitUntil = (work: Promise<unknown>) => void;

/** A start-run answer whose first tasks, if the run handed any back, are already being run. */
export type ContinuedStartResult =
  | Exclude<StartRunResult, { orders: unknown }>
  | { kind: "started" | "existing"; run: RunSummary };

/**
 * Starts a run and runs its first ready tasks in this invocation, after it
 * answers: no queue hop to start a run. The invocation offers room only for
 * tasks whose timeouts end inside the time a Worker may keep working after
 * its response (`TRIGGER_LIMITS`), and goes on with what the run hands back,
 * like a consumer. If that work dies the attempts stay leased to it, and the
 * coordinator's alarm sends them to the queue when the leases expire.
 */
export async function startRunAndContinue(
  env: Env,
  waitUntil: WaitUntil,
  cmd: Omit<StartRunCommand, "offer">,
): Promise<ContinuedStartResult> {
  const budget = new ContinuationBudget(env, TRIGGER_LIMITS);
  const result = await startRun(env, { ...cmd, offer: budget.offer(0) });
  if (result.kind === "no_dag" || result.kind === "invalid_params") return result;
  const { kind, run, orders } = result;
  if (orders.length > 0) {
    waitUntil(
      runHandedBack(env, coordinatorFor(env, run.runId), orders, budget)
        .catch((err: unknown) => {
          // The attempts are leased to this invocation: the coordinator's alarm sends them to the queue.
          console.error(`run ${run.runId}: running its first tasks failed; their leases will recover them`, err);
        })
        .finally(() => budget.close()),
    );
  }
  return { kind, run };
}
