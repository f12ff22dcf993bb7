import type { PlannedTask } from "../../dag/plan";
import type { RunState, TaskInstance, WorkRef } from "../types";
import { failWithoutAttempt } from "./failure";
import { runInstance } from "./readiness";
import { changed, plannedFor, type PoolOps, type Tx } from "./tx";

/**
 * Pools (limits across runs, Airflow's pools): a task with `pool` takes no
 * slot of its run and reaches no worker until its pool (a PoolCoordinator,
 * shared by every run and DAG) grants the attempt a lease; meanwhile it waits
 * as `scheduled`. The lease is given back when the attempt ends, however it
 * ends (success, failure, a retry's wait, a lost worker, cancel, clear), and a
 * retry asks again. Requests and releases leave through the outbox
 * (`UpdatePoolLeases`, one per pool per transition); the pool's answer comes
 * back as `PoolAnswered`.
 *
 * The lease names the attempt it is for (the task's next attempt while it
 * waits), so a late or repeated grant for an attempt that is over is given
 * straight back instead of counted.
 */

/** Leases one `UpdatePoolLeases` command gives back and asks for, at most. */
export const POOL_BATCH = 1_000;

/** A task waiting for its pool (not yet granted): `scheduled`, but not for a slot of its run. */
export function waitsForPool(t: TaskInstance): boolean {
  return t.status === "scheduled" && t.poolLease !== undefined && t.poolLease.granted !== true;
}

/** The task's next attempt already holds its pool's lease (granted, not yet queued: waiting for a run slot). */
export function holdsPoolForNext(t: TaskInstance): boolean {
  return t.poolLease?.granted === true && t.poolLease.attempt === t.attempt + 1;
}

/** Whether the task still wants (or holds) its lease: it waits for that attempt or runs it. */
function leaseWanted(t: TaskInstance): boolean {
  const l = t.poolLease;
  if (!l) return false;
  if (t.status === "scheduled") return t.attempt + 1 === l.attempt;
  if (t.status === "queued" || t.status === "running") return t.attempt === l.attempt && !t.waitingForFallback && t.mapped === undefined;
  return false;
}

/** For the pool's check: does this attempt still hold (or wait for) its lease of `pool`? */
export function holdsPoolLease(state: RunState, pool: string, ref: WorkRef): boolean {
  const t = state.tasks.get(ref.taskKey);
  return t?.poolLease !== undefined && t.poolLease.pool === pool && t.poolLease.attempt === ref.attempt && leaseWanted(t);
}

/** A task instance's place in the run's order: plan index, then map index. */
function order(tx: Tx, key: string): number {
  const t = tx.state.tasks.get(key);
  return t ? plannedFor(tx.plan, t).index * 1_000_000 + (t.mapIndex ?? -1) + 1 : 0;
}

function opsFor(tx: Tx, pool: string): PoolOps {
  tx.pools ??= new Map();
  let ops = tx.pools.get(pool);
  if (!ops) {
    ops = { release: [], acquire: [] };
    tx.pools.set(pool, ops);
  }
  return ops;
}

/** Gives the task's lease back (whether granted or still asked for). */
export function releaseLease(tx: Tx, t: TaskInstance): void {
  const l = t.poolLease;
  if (!l) return;
  opsFor(tx, l.pool).release.push({ taskKey: t.key, attempt: l.attempt });
  delete t.poolLease;
  changed(tx, t);
}

/** The task is ready: it waits as `scheduled` for a lease of its pool for its next attempt. */
export function requestPool(tx: Tx, t: TaskInstance, p: PlannedTask & { pool: NonNullable<PlannedTask["pool"]> }): void {
  const { ctx } = tx;
  releaseLease(tx, t); // a lost worker's attempt: its lease goes back before the next one is asked for
  t.status = "scheduled";
  t.scheduledAt = ctx.now;
  delete t.retryAt;
  t.poolLease = { pool: p.pool.name, attempt: t.attempt + 1 };
  changed(tx, t);
  opsFor(tx, p.pool.name).acquire.push({
    taskKey: t.key,
    attempt: t.attempt + 1,
    slots: p.pool.slots,
    priority: p.pool.priority,
    requestedAt: ctx.now,
  });
}

/** The pool granted or refused leases: granted tasks go on to their run slot or the queue; refused ones fail. */
export function poolAnswered(tx: Tx, pool: string, granted: WorkRef[], refused: Array<WorkRef & { message: string }>): void {
  const { state, fx } = tx;
  const match = (ref: WorkRef): TaskInstance | undefined => {
    const t = state.tasks.get(ref.taskKey);
    return t?.poolLease?.pool === pool && t.poolLease.attempt === ref.attempt && leaseWanted(t) ? t : undefined;
  };
  for (const ref of granted) {
    const t = match(ref);
    if (!t || !t.poolLease) {
      // Not wanted any more (cancelled, cleared, a grant that crossed its release): straight back.
      opsFor(tx, pool).release.push({ taskKey: ref.taskKey, attempt: ref.attempt });
      fx.reply.ignored.push({ taskKey: ref.taskKey, attempt: ref.attempt, reason: "not_active" });
      continue;
    }
    if (t.poolLease.granted) continue; // a repeat
    t.poolLease.granted = true;
    changed(tx, t);
    runInstance(tx, t, plannedFor(tx.plan, t));
  }
  for (const ref of refused) {
    const t = match(ref);
    if (!t || t.poolLease?.granted) {
      fx.reply.ignored.push({ taskKey: ref.taskKey, attempt: ref.attempt, reason: "not_active" });
      continue;
    }
    delete t.poolLease;
    failWithoutAttempt(tx, t, { message: `pool '${pool}': ${ref.message}`, code: "pool", retryable: false });
  }
}

/**
 * After a transition of a run that uses pools: every changed task whose attempt no longer wants
 * its lease gives it back, and what the transition asks of each pool becomes one command.
 */
export function settlePoolLeases(tx: Tx): void {
  for (const key of tx.fx.changes.tasks) {
    const t = tx.state.tasks.get(key);
    if (t?.poolLease && !leaseWanted(t)) releaseLease(tx, t);
  }
  if (!tx.pools) return;
  for (const [pool, ops] of tx.pools) {
    if (ops.release.length === 0 && ops.acquire.length === 0) continue;
    // Tasks ready together arrive in the run's order (the plan's, instances by index): the pool
    // breaks ties of priority and time by arrival.
    if (ops.acquire.length > 1) ops.acquire.sort((a, b) => a.requestedAt - b.requestedAt || order(tx, a.taskKey) - order(tx, b.taskKey));
    // A wide map asks for thousands of leases at once: in commands of at most POOL_BATCH entries
    // (releases first), each one bounded RPC.
    const entries = [...ops.release.map((r) => ({ release: r })), ...ops.acquire.map((a) => ({ acquire: a }))];
    for (let i = 0; i < entries.length; i += POOL_BATCH) {
      const chunk = entries.slice(i, i + POOL_BATCH);
      tx.fx.commands.push({
        type: "UpdatePoolLeases",
        pool,
        release: chunk.flatMap((e) => ("release" in e ? [e.release] : [])),
        acquire: chunk.flatMap((e) => ("acquire" in e ? [e.acquire] : [])),
      });
    }
  }
  tx.pools = undefined;
}
