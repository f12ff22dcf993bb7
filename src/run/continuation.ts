import { runAttempt } from "../tasks";
import type { RunStarter } from "../tasks/executor";
import { TimeoutWatch } from "../tasks/timeouts";
import { numberVar } from "../lib/vars";
import { coordinatorFor, type CoordinatorClient } from "./client";
import { DEFAULT_HEARTBEAT_MS, HeartbeatPulse } from "./heartbeat-pulse";
import type { Offer } from "./machine";
import type { WorkOrder } from "./work-order";

/**
 * How much extra work one invocation (a queue consumer batch, a trigger's
 * request) takes on by continuation, set well inside the platform's limits.
 */
export interface BudgetLimits {
  /** Stop offering room after this long (ms since the invocation began). */
  wallMs: number;
  /** Stop offering room after this many attempts in the invocation. */
  maxAttempts: number;
  /** The invocation may keep running this long (ms since it began): a task is handed back only if its timeout ends before. */
  lifetimeMs: number;
}

/** A queue consumer invocation may run for 15 minutes (wall time); it asks for more work for 30 s. */
export const CONSUMER_LIMITS: BudgetLimits = { wallMs: 30_000, maxAttempts: 1_000, lifetimeMs: 14 * 60_000 };

/**
 * A trigger's request may keep working for 30 s after it answered
 * (`waitUntil`): it takes a new run's first tasks, and what follows them,
 * only when their timeouts end inside 25 s.
 */
export const TRIGGER_LIMITS: BudgetLimits = { wallMs: 20_000, maxAttempts: 1_000, lifetimeMs: 25_000 };

/**
 * A report offers room for as many new tasks as it reports, and at least this
 * many (`CONTINUATION_MIN`): after one task, a diamond's two branches both
 * continue here instead of one waiting for a queue hop.
 */
export const DEFAULT_CONTINUATION_MIN = 4;

/** One invocation's continuation budget, shared by every run it works on, with its timers. */
export class ContinuationBudget {
  /** The timeouts of every attempt the invocation runs, on one timer. */
  readonly timeouts = new TimeoutWatch();
  /** The heartbeats of every attempt it runs, on one timer. */
  readonly heartbeats: HeartbeatPulse;
  private attempts = 0;
  private readonly started = Date.now();
  private readonly minCapacity: number;

  constructor(
    private readonly env: Env,
    private readonly limits: BudgetLimits,
  ) {
    const configured = Number(env.CONTINUATION_MIN);
    this.minCapacity = Number.isInteger(configured) && configured >= 0 ? configured : DEFAULT_CONTINUATION_MIN;
    this.heartbeats = new HeartbeatPulse(env, this.timeouts, numberVar(env.HEARTBEAT_MS, DEFAULT_HEARTBEAT_MS) || DEFAULT_HEARTBEAT_MS);
  }

  /** The invocation is done: no attempt of it is left to time out or to heartbeat. */
  close(): void {
    this.heartbeats.close();
    this.timeouts.close();
  }

  /**
   * What to offer a run after finishing `finished` attempts (0 when starting
   * one): no room once continuation is off (`CONTINUATION = "off"`) or the
   * budget is spent, every ready task then goes through the queue.
   */
  offer(finished: number): Offer {
    this.attempts += finished;
    const capacity = Math.max(finished, this.minCapacity);
    if (
      this.env.CONTINUATION === "off" ||
      Date.now() - this.started >= this.limits.wallMs ||
      this.attempts + capacity > this.limits.maxAttempts
    ) {
      return { capacity: 0 };
    }
    return { capacity, until: this.started + this.limits.lifetimeMs };
  }
}

/**
 * Runs a run's work orders, reports their outcomes in one call, and runs what
 * the run hands back, until it hands back nothing; child runs that its `dag`
 * tasks start, and a parent whose child run it ends, are worked on alongside,
 * with the same budget. `onReported` is called after each report (the
 * consumer acks its messages after the first). A failed report is thrown to
 * the caller; the attempts handed to this invocation are leased, so the
 * coordinator's alarm recovers them through the queue.
 */
export async function runHandedBack(
  env: Env,
  run: CoordinatorClient,
  orders: WorkOrder[],
  budget: ContinuationBudget,
  onReported?: () => void,
): Promise<void> {
  const others: Array<Promise<void>> = [];
  const runs: RunStarter = {
    offer: () => budget.offer(0),
    take: (otherRunId, otherOrders) => {
      others.push(
        runHandedBack(env, coordinatorFor(env, otherRunId), otherOrders, budget).catch((err: unknown) => {
          console.error(`run ${otherRunId}: running the tasks it handed over failed; their leases will recover them`, err);
        }),
      );
    },
  };
  let next = orders;
  try {
    while (next.length > 0) {
      const outcomes = await Promise.all(
        next.map(async (o) => {
          const stop = new AbortController();
          const beating = budget.heartbeats.add(o.runId, { taskKey: o.taskKey, attempt: o.attempt, claim: o.claim }, () => stop.abort());
          try {
            return await runAttempt(o, env, budget.timeouts, runs, stop.signal);
          } finally {
            beating();
          }
        }),
      );
      const answer = await run.report({ outcomes, ...budget.offer(outcomes.length) });
      onReported?.();
      next = answer.orders;
      // The report ended a child run: its parent's next tasks came back with it.
      if (answer.parent) runs.take(answer.parent.runId, answer.parent.orders);
    }
  } finally {
    await Promise.all(others);
  }
}
