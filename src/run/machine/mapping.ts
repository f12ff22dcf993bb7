import type { PlannedTask } from "../../dag/plan";
import { taskKey } from "../../lib/ids";
import type { TaskInstance } from "../types";
import { afterTerminal } from "./completion";
import { DEFAULT_MAX_MAP_LENGTH } from "./config";
import { failWithoutAttempt } from "./failure";
import { runInstance } from "./readiness";
import { evaluate } from "./scope";
import { newInstance, setTerminal } from "./task-instance";
import { changed, parentOf, type Tx } from "./tx";

/**
 * Dynamic mapping: a task expands at run time into one instance per element
 * of `map.over`; at most `map.maxActive` run at once; the parent keeps the
 * counters and ends when every instance has, with their outputs in order.
 */

/** Expands a mapped task into one instance per element of its list. */
export function expand(tx: Tx, parent: TaskInstance, p: PlannedTask): void {
  const { state, ctx } = tx;
  const map = p.spec.map;
  if (!map) return;
  const over = evaluate(tx, p, "map.over", map.over);
  if (!over.ok) return failWithoutAttempt(tx, parent, over.error);
  if (!Array.isArray(over.value)) {
    return failWithoutAttempt(tx, parent, {
      message: `map.over must yield a list, got ${over.value === null ? "null" : typeof over.value}`,
      code: "map",
      retryable: false,
    });
  }
  const limit = map.maxMapLength ?? DEFAULT_MAX_MAP_LENGTH;
  if (over.value.length > limit) {
    return failWithoutAttempt(tx, parent, {
      message: `map.over yielded ${over.value.length} items, more than maxMapLength ${limit}`,
      code: "map",
      retryable: false,
    });
  }
  if (over.value.length === 0) {
    setTerminal(parent, "skipped", ctx.now);
    afterTerminal(tx, parent);
    return;
  }
  parent.status = "running";
  parent.startedAt = ctx.now;
  parent.mapped = over.value.length;
  parent.mapNext = 0;
  parent.mapActive = 0;
  parent.mapDone = 0;
  parent.mapFailed = 0;
  for (let i = 0; i < over.value.length; i++) {
    const inst = newInstance(p.id, i);
    // Each instance keeps its own element: rows stay small however long the list.
    inst.item = over.value[i] ?? null;
    state.tasks.set(inst.key, inst);
    changed(tx, inst);
  }
  startMoreInstances(tx, parent, p);
}

/** Starts pending instances of a mapped task while `maxActive` allows. */
function startMoreInstances(tx: Tx, parent: TaskInstance, p: PlannedTask): void {
  if (tx.starting.has(p.id)) return; // the loop below is already running for this task
  tx.starting.add(p.id);
  const total = parent.mapped ?? 0;
  const maxActive = p.spec.map?.maxActive ?? Number.POSITIVE_INFINITY;
  while ((parent.mapNext ?? 0) < total && (parent.mapActive ?? 0) < maxActive) {
    const index = parent.mapNext ?? 0;
    parent.mapNext = index + 1;
    parent.mapActive = (parent.mapActive ?? 0) + 1;
    tx.index.visited += 1;
    const inst = tx.state.tasks.get(taskKey(p.id, index));
    if (inst && inst.status === "pending") runInstance(tx, inst, p);
  }
  tx.starting.delete(p.id);
  changed(tx, parent);
}

/** A mapped instance ended: start the next, and end the mapped task once every instance has. */
export function instanceDone(tx: Tx, inst: TaskInstance, p: PlannedTask): void {
  const parent = parentOf(tx.state, p.id);
  if (parent.status !== "running") return;
  parent.mapActive = Math.max(0, (parent.mapActive ?? 1) - 1);
  parent.mapDone = (parent.mapDone ?? 0) + 1;
  if (inst.status !== "success") parent.mapFailed = (parent.mapFailed ?? 0) + 1;
  changed(tx, parent);
  startMoreInstances(tx, parent, p);
  const total = parent.mapped ?? 0;
  if ((parent.mapDone ?? 0) < total) return;
  // Every instance ended: downstream sees the outputs in order (one pass, once per mapped task).
  const outputs: unknown[] = [];
  for (let i = 0; i < total; i++) outputs.push(tx.state.tasks.get(taskKey(p.id, i))?.output ?? null);
  tx.index.visited += total;
  parent.output = outputs;
  if ((parent.mapFailed ?? 0) > 0) {
    parent.error = { message: `${parent.mapFailed} of ${total} mapped instances failed`, code: "map" };
    setTerminal(parent, "failed", tx.ctx.now);
  } else {
    setTerminal(parent, "success", tx.ctx.now);
  }
  afterTerminal(tx, parent);
}
