import { MinHeap } from "../../lib/min-heap";
import { isTerminalTask, type TaskInstance } from "../types";
import { dueAt } from "./task-instance";

/**
 * Who holds the run's slots (`maxActiveTasks`) and who waits for one. Built
 * lazily by `slots.ts` (only runs with a limit need it) and dropped when a
 * finished run is reopened.
 */
export interface SlotBook {
  /** Attempts holding a slot: never more than `maxActiveTasks`, since only `fillSlots` grants one. */
  holders: Set<string>;
  /** Scheduled tasks, oldest first. An entry whose task has left `scheduled` (or was scheduled again later) is skipped. */
  waiting: Array<{ key: string; at: number }>;
  next: number;
}

/**
 * What the machine needs to know about a run without scanning its tasks: the
 * instances still open, those that failed, the top-level tasks that ended, a
 * timer heap of retries and leases, and the slot book. Kept in memory beside
 * the state, rebuilt from the tasks when a coordinator loads a run, and kept
 * current by `sync` with the keys each transition changed, so an event costs
 * the same whatever the size of the run. `visited` counts the task instances
 * the machine looked at, for tests that bound the work per event.
 */
export class RunIndex {
  private readonly open = new Set<string>();
  private readonly failedKeys = new Set<string>();
  private readonly endedTop = new Set<string>();
  private readonly timers = new MinHeap<{ at: number; key: string }>();
  /** The due time each key's valid heap entry has (entries with another time are stale). */
  private readonly due = new Map<string, number>();
  private readonly dirty: string[] = [];
  slots: SlotBook | undefined;
  /** Task instances looked at so far (sync, timers, readiness, slots, mapping). */
  visited = 0;
  /** Attempts granted by this object (numbers default claim tokens). */
  grants = 0;

  /** The index of a run's tasks as loaded (one pass over them). */
  static build(tasks: Map<string, TaskInstance>): RunIndex {
    const index = new RunIndex();
    for (const [key, t] of tasks) index.place(key, t);
    return index;
  }

  /** A task instance changed (or was removed): `sync` will look at it again. */
  markDirty(key: string): void {
    this.dirty.push(key);
  }

  /** Brings the index up to date with the instances changed since the last sync. */
  sync(tasks: Map<string, TaskInstance>): void {
    for (const key of this.dirty) {
      this.visited += 1;
      this.place(key, tasks.get(key));
    }
    this.dirty.length = 0;
  }

  /** Instances not yet in a terminal state. */
  get openCount(): number {
    return this.open.size;
  }

  /** Top-level tasks (not mapped instances) that ended. */
  get endedCount(): number {
    return this.endedTop.size;
  }

  /** Keys of instances that ended `failed` or `upstream_failed`. */
  failed(): ReadonlySet<string> {
    return this.failedKeys;
  }

  /** The earliest retry or lease deadline, or undefined when nothing waits on a timer. */
  nextWakeAt(): number | undefined {
    for (;;) {
      const top = this.timers.peek();
      if (!top) return undefined;
      if (this.due.get(top.key) === top.at) return top.at;
      this.timers.pop(); // stale: the instance's due time moved or it has none any more
    }
  }

  /** Keys whose retry or lease is due at `now`, earliest first; each is taken once (sync re-adds what is due again). */
  takeDue(now: number): string[] {
    const keys: string[] = [];
    for (;;) {
      const top = this.timers.peek();
      if (!top || top.at > now) break;
      this.timers.pop();
      if (this.due.get(top.key) !== top.at) continue;
      this.due.delete(top.key);
      this.visited += 1;
      keys.push(top.key);
    }
    return keys;
  }

  private place(key: string, t: TaskInstance | undefined): void {
    if (!t) {
      this.open.delete(key);
      this.failedKeys.delete(key);
      this.endedTop.delete(key);
      this.due.delete(key);
      this.slots?.holders.delete(key);
      return;
    }
    if (isTerminalTask(t.status)) this.open.delete(key);
    else this.open.add(key);
    if (t.status === "failed" || t.status === "upstream_failed") this.failedKeys.add(key);
    else this.failedKeys.delete(key);
    if (t.mapIndex === null && t.endedAt !== undefined) this.endedTop.add(key);
    else this.endedTop.delete(key);
    const at = dueAt(t);
    if (at === undefined) this.due.delete(key);
    else if (this.due.get(key) !== at) {
      this.due.set(key, at);
      this.timers.push({ at, key });
    }
    if (this.slots?.holders.has(key) && !holdsSlot(t)) this.slots.holders.delete(key);
  }
}

/**
 * An attempt holding one of the run's slots: queued or running on a worker (not a mapped task's
 * parent, a task whose fallback runs in its place, or a `dag` task waiting for its child run).
 */
export function holdsSlot(t: TaskInstance): boolean {
  return (t.status === "queued" || t.status === "running") && t.mapped === undefined && !t.waitingForFallback && !t.waiting;
}
