import type { Plan } from "../../dag/plan";
import { isFinishedRun, type TaskInstance } from "../types";
import { holdsSlot, type SlotBook } from "./run-index";
import { waitsForPool } from "./pools";
import { queueAttempt } from "./task-instance";
import { changed, plannedFor, type Tx } from "./tx";

/**
 * Run concurrency (`maxActiveTasks`, Airflow's `max_active_tasks`): at most N
 * attempts of a run are queued or running on workers at once. Tasks ready
 * beyond it wait as `scheduled`; `fillSlots` is the one place that grants a
 * slot, before `dispatchReady` decides between the queue and continuation, so
 * a task gets one the same way whichever path it then takes.
 */

/** The order in which tasks that became ready together get slots: the plan's, mapped instances by index. */
function runOrder(plan: Plan, a: TaskInstance, b: TaskInstance): number {
  return plannedFor(plan, a).index - plannedFor(plan, b).index || (a.mapIndex ?? -1) - (b.mapIndex ?? -1);
}

/** The run's slot book, built from its tasks the first time a run with a limit needs it (and after a reload). */
function slotBook(tx: Tx): SlotBook {
  const existing = tx.index.slots;
  if (existing) return existing;
  const holders = new Set<string>();
  const scheduled: TaskInstance[] = [];
  for (const t of tx.state.tasks.values()) {
    tx.index.visited += 1;
    if (holdsSlot(t)) holders.add(t.key);
    else if (t.status === "scheduled" && !waitsForPool(t)) scheduled.push(t);
  }
  scheduled.sort((a, b) => (a.scheduledAt ?? 0) - (b.scheduledAt ?? 0) || runOrder(tx.plan, a, b));
  const book: SlotBook = { holders, waiting: scheduled.map((t) => ({ key: t.key, at: t.scheduledAt ?? 0 })), next: 0 };
  tx.index.slots = book;
  tx.scheduled = []; // already in the book
  return book;
}

/** Queues scheduled tasks, oldest first, while fewer attempts than the limit hold a slot. */
export function fillSlots(tx: Tx): void {
  const limit = tx.plan.maxActiveTasks;
  if (limit === undefined) return;
  const { state, ctx, index } = tx;
  if (isFinishedRun(state.run.status)) return;
  const book = slotBook(tx);
  // Holders that gave their slot up leave the book as the index syncs their change.
  index.sync(state.tasks);
  if (tx.scheduled.length > 0) {
    tx.scheduled.sort((a, b) => runOrder(tx.plan, a, b));
    for (const t of tx.scheduled) book.waiting.push({ key: t.key, at: t.scheduledAt ?? ctx.now });
    tx.scheduled = [];
  }
  while (book.holders.size < limit && book.next < book.waiting.length) {
    const entry = book.waiting[book.next++];
    index.visited += 1;
    const t = entry && state.tasks.get(entry.key);
    if (!t || t.status !== "scheduled" || t.scheduledAt !== entry.at || waitsForPool(t)) continue;
    delete t.scheduledAt;
    queueAttempt(t, ctx.now);
    changed(tx, t);
    tx.ready.push(t);
    book.holders.add(t.key);
  }
  if (book.next > 1_000 && book.next * 2 > book.waiting.length) {
    book.waiting = book.waiting.slice(book.next);
    book.next = 0;
  }
}
