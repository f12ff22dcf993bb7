/**
 * A pool's leases (Airflow's pools, shared across runs and DAGs), PURE: who
 * holds how many of its slots, who waits and in which order, what a resize or
 * a release grants. The PoolCoordinator Durable Object is the only writer of
 * one pool's book; it persists the leases each call changed and tells runs of
 * grants. Time comes in as arguments; nothing here reads a clock.
 *
 * A lease is keyed by (runId, taskKey, attempt), so a repeated acquire or
 * release (the run's outbox delivers at least once) never counts twice.
 */

/** What a run asks for: `slots` of the pool for one attempt of one task. */
export interface LeaseRequest {
  runId: string;
  taskKey: string;
  attempt: number;
  slots: number;
  /** Higher first (the task's `priorityWeight`). */
  priority: number;
  /** When the task became ready (the run's clock): older first among equal priorities. */
  requestedAt: number;
}

/** Names one attempt's lease. */
export type LeaseRef = Pick<LeaseRequest, "runId" | "taskKey" | "attempt">;

/**
 * `waiting`: queued for slots; `held`: holds `slots` of the pool; `refused`: can never be granted
 * (it asks for more slots than the pool has), kept only until its run has been told.
 */
export type LeaseStatus = "waiting" | "held" | "refused";

export interface Lease extends LeaseRequest {
  leaseId: string;
  status: LeaseStatus;
  /** Arrival order at the pool: the last tie-breaker, so the order is total. */
  seq: number;
  /** When the lease was granted. */
  since?: number;
  /** The run has been told of the grant or refusal (with the answer to its own call, or by a callback). */
  notified?: boolean;
  /** When the pool last asked the run whether the attempt still holds the lease. */
  checkedAt?: number;
  /** Why a refused lease can never be granted. */
  error?: string;
}

/** What one call changed: leases to write (or delete, when no longer in the book), newly granted and refused. */
export interface PoolChange {
  changed: Set<string>;
  granted: Lease[];
  refused: Lease[];
}

/** A run's own answer: its leases granted or refused (by its call or by what the call released). */
export interface RunAnswer {
  granted: LeaseRef[];
  refused: Array<LeaseRef & { message: string }>;
}

export function leaseId(ref: LeaseRef): string {
  return `${ref.runId}/${ref.taskKey}#${ref.attempt}`;
}

/** Grant order: priority desc, then requested earlier, then arrived earlier. */
function before(a: Lease, b: Lease): number {
  return b.priority - a.priority || a.requestedAt - b.requestedAt || a.seq - b.seq;
}

export class PoolBook {
  private readonly leases = new Map<string, Lease>();
  /** Waiting leases in grant order (sorted on insert; entries that left `waiting` are skipped). */
  private readonly queue = new LeaseQueue();
  /** Held leases, and leases whose run has not been told of its grant or refusal: what the adapter scans often. */
  private readonly heldIds = new Set<string>();
  private readonly untold = new Set<string>();
  private usedSlots = 0;
  private waitingCount = 0;
  private nextSeq = 1;

  /** `slots` undefined: the pool does not exist (never configured, or deleted). */
  constructor(
    private slotsValue: number | undefined,
    leases: Iterable<Lease> = [],
  ) {
    for (const l of leases) this.place(l);
  }

  get configured(): boolean {
    return this.slotsValue !== undefined;
  }

  get slots(): number {
    return this.slotsValue ?? 0;
  }

  /** Slots held. May exceed `slots` after a shrink, until holders release. */
  get used(): number {
    return this.usedSlots;
  }

  /** Attempts waiting for slots. */
  get queued(): number {
    return this.waitingCount;
  }

  get(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  holders(): Lease[] {
    return this.list(this.heldIds).sort((a, b) => (a.since ?? 0) - (b.since ?? 0) || a.seq - b.seq);
  }

  /** Waiting leases in grant order. */
  waiting(): Lease[] {
    return [...this.leases.values()].filter((l) => l.status === "waiting").sort(before);
  }

  /** True when nothing holds or waits (a pool may then be deleted). */
  get idle(): boolean {
    return this.usedSlots === 0 && this.waitingCount === 0;
  }

  /**
   * Sets the pool's size. Growing grants waiting leases; shrinking below `used` keeps the holders
   * until they release (nothing is revoked) and grants nothing until usage is under the new size;
   * waiting leases that ask for more slots than the new size are refused.
   */
  configure(slots: number, now: number): { created: boolean; change: PoolChange } {
    const created = this.slotsValue === undefined;
    this.slotsValue = slots;
    const change = emptyChange();
    this.grant(change, now);
    return { created, change };
  }

  /** Releases, then acquires (both idempotent), then grants what now fits, in order. */
  update(release: readonly LeaseRef[], acquire: readonly LeaseRequest[], now: number): PoolChange {
    const change = emptyChange();
    for (const ref of release) this.drop(leaseId(ref), change);
    for (const req of acquire) {
      const id = leaseId(req);
      if (this.leases.has(id)) continue; // a repeat: waiting, held or refused already
      const lease: Lease = { ...req, leaseId: id, status: "waiting", seq: this.nextSeq++ };
      if (!this.configured || req.slots > this.slots) {
        // Never grantable: answered at once, nothing kept.
        lease.status = "refused";
        lease.error = refusal(this, req.slots);
        change.refused.push(lease);
        continue;
      }
      this.place(lease);
      change.changed.add(id);
    }
    this.grant(change, now);
    return change;
  }

  /** Drops leases whose runs no longer hold them (the pool's check), then grants what fits. */
  releaseIds(ids: readonly string[], now: number): PoolChange {
    const change = emptyChange();
    for (const id of ids) this.drop(id, change);
    this.grant(change, now);
    return change;
  }

  /**
   * What the calling run is answered: its acquires now held or refused, and its other leases this
   * change granted or refused. They count as notified (refused ones leave the book).
   */
  answerFor(runId: string, acquire: readonly LeaseRequest[], change: PoolChange): RunAnswer {
    const answer: RunAnswer = { granted: [], refused: [] };
    const ids = new Set(acquire.map((r) => leaseId(r)));
    for (const l of change.granted) if (l.runId === runId) ids.add(l.leaseId);
    for (const l of change.refused) {
      if (l.runId !== runId) continue;
      answer.refused.push({ runId, taskKey: l.taskKey, attempt: l.attempt, message: l.error ?? "refused" });
      ids.delete(l.leaseId);
      if (this.leases.get(l.leaseId) === l) this.drop(l.leaseId, change);
    }
    for (const id of ids) {
      const l = this.leases.get(id);
      if (!l) continue;
      if (l.status === "held") {
        answer.granted.push({ runId, taskKey: l.taskKey, attempt: l.attempt });
        if (!l.notified) {
          l.notified = true;
          this.untold.delete(id);
          change.changed.add(id);
        }
      } else if (l.status === "refused") {
        answer.refused.push({ runId, taskKey: l.taskKey, attempt: l.attempt, message: l.error ?? "refused" });
        this.drop(id, change);
      }
    }
    return answer;
  }

  /** Grants and refusals not yet told to their runs, by run. */
  notices(): Map<string, Lease[]> {
    const byRun = new Map<string, Lease[]>();
    for (const l of this.list(this.untold)) {
      const list = byRun.get(l.runId) ?? [];
      list.push(l);
      byRun.set(l.runId, list);
    }
    return byRun;
  }

  /** The run was told: grants are marked notified, refusals leave the book. */
  noticesDelivered(leases: readonly Lease[]): PoolChange {
    const change = emptyChange();
    for (const l of leases) {
      const current = this.leases.get(l.leaseId);
      if (!current) continue;
      if (current.status === "refused") this.drop(l.leaseId, change);
      else if (current.status === "held" && !current.notified) {
        current.notified = true;
        this.untold.delete(l.leaseId);
        change.changed.add(l.leaseId);
      }
    }
    return change;
  }

  /** Held leases not looked at for `intervalMs` (since granted or last checked). */
  dueChecks(now: number, intervalMs: number): Lease[] {
    return this.holders().filter((l) => (l.checkedAt ?? l.since ?? 0) + intervalMs <= now);
  }

  markChecked(ids: readonly string[], now: number): PoolChange {
    const change = emptyChange();
    for (const id of ids) {
      const l = this.leases.get(id);
      if (l?.status !== "held") continue;
      l.checkedAt = now;
      change.changed.add(id);
    }
    return change;
  }

  /** When the next holder is due for a check (undefined: nothing held). */
  nextCheckAt(intervalMs: number): number | undefined {
    let at: number | undefined;
    for (const l of this.list(this.heldIds)) {
      const due = (l.checkedAt ?? l.since ?? 0) + intervalMs;
      if (at === undefined || due < at) at = due;
    }
    return at;
  }

  private list(ids: ReadonlySet<string>): Lease[] {
    const out: Lease[] = [];
    for (const id of ids) {
      const l = this.leases.get(id);
      if (l) out.push(l);
    }
    return out;
  }

  private place(l: Lease): void {
    this.leases.set(l.leaseId, l);
    this.nextSeq = Math.max(this.nextSeq, l.seq + 1);
    if ((l.status === "held" && !l.notified) || l.status === "refused") this.untold.add(l.leaseId);
    if (l.status === "held") {
      this.usedSlots += l.slots;
      this.heldIds.add(l.leaseId);
    } else if (l.status === "waiting") {
      this.waitingCount += 1;
      this.queue.push(l);
    }
  }

  private drop(id: string, change: PoolChange): void {
    const l = this.leases.get(id);
    if (!l) return;
    this.leases.delete(id);
    this.heldIds.delete(id);
    this.untold.delete(id);
    if (l.status === "held") this.usedSlots -= l.slots;
    else if (l.status === "waiting") this.waitingCount -= 1;
    // Its queue entry (if waiting) is skipped when it surfaces: it is no longer in the book.
    change.changed.add(id);
  }

  /**
   * Grants waiting leases in order while they fit. Strictly in order: a lease that needs more
   * slots than are free waits at the head, and nothing behind it jumps ahead, so a task asking
   * for many slots is never starved by a stream of small ones.
   */
  private grant(change: PoolChange, now: number): void {
    for (;;) {
      const top = this.queue.peek();
      if (!top) return;
      if (this.leases.get(top.leaseId) !== top || top.status !== "waiting") {
        this.queue.pop();
        continue;
      }
      if (top.slots > this.slots) {
        this.queue.pop();
        this.waitingCount -= 1;
        top.status = "refused";
        top.error = refusal(this, top.slots);
        this.untold.add(top.leaseId);
        change.changed.add(top.leaseId);
        change.refused.push(top);
        continue;
      }
      if (this.usedSlots + top.slots > this.slots) return;
      this.queue.pop();
      this.waitingCount -= 1;
      top.status = "held";
      top.since = now;
      this.usedSlots += top.slots;
      this.heldIds.add(top.leaseId);
      this.untold.add(top.leaseId);
      change.changed.add(top.leaseId);
      change.granted.push(top);
    }
  }
}

function emptyChange(): PoolChange {
  return { changed: new Set(), granted: [], refused: [] };
}

function refusal(book: PoolBook, slots: number): string {
  return book.configured ? `poolSlots ${slots} is more than the pool's ${book.slots} slots` : "the pool does not exist";
}

/** Leases in grant order: a sorted array (binary insertion), read from its head. */
class LeaseQueue {
  private items: Lease[] = [];
  private head = 0;

  push(l: Lease): void {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid];
      if (m && before(m, l) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, l);
  }

  peek(): Lease | undefined {
    return this.items[this.head];
  }

  pop(): void {
    this.head += 1;
    if (this.head > 1_000 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
