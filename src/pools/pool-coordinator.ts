import { DurableObject } from "cloudflare:workers";
import { numberVar } from "../lib/vars";
import { coordinatorFor } from "../run/client";
import { DEFAULT_MACHINE_CONFIG } from "../run/machine";
import { iso } from "../run/view";
import { leaseId, PoolBook, type Lease, type PoolChange, type RunAnswer } from "./pool-book";
import { PoolStorage } from "./pool-storage";
import { PoolConfigureInputSchema, PoolUpdateInputSchema } from "./rpc";

/** Leases told to a run in one `poolAnswered` call, at most. */
const NOTICE_BATCH = 1_000;

/** Waiting leases a pool's view lists (the count is always complete). */
const VIEW_WAITING = 100;

/** A pool as the API shows it. */
export interface PoolView {
  name: string;
  slots: number;
  used: number;
  queued: number;
  holders: Array<{ leaseId: string; runId: string; taskKey: string; attempt: number; slots: number; since: string | null }>;
  /** The first waiting leases, in the order they will be granted. */
  waiting: Array<{ leaseId: string; runId: string; taskKey: string; attempt: number; slots: number; priority: number; requestedAt: string | null }>;
}

export type RemoveResult = { ok: true } | { ok: false; code: "not_found" | "pool_in_use"; view?: PoolView };

/**
 * One Durable Object per pool (`idFromName("pool:<name>")`): the only writer of
 * the pool's leases, shared by every run and DAG. A thin adapter over the pure
 * book (pool-book.ts): parse the call, change the book, write the leases it
 * changed (one synchronous block), answer the caller, and tell other runs of
 * their grants (`poolAnswered` on their coordinators; retried from the alarm
 * until they answer).
 *
 * The alarm is also the safety net for holders: every `HEARTBEAT_TIMEOUT_MS`
 * it asks each holder's run whether the attempt still holds its lease, and
 * frees those that do not (a release lost with a run, a run that no longer
 * exists), so a slot never leaks. The usual path is quicker: a run gives a
 * lease back as its attempt ends, also when the attempt is abandoned because
 * its worker stopped heartbeating.
 */
export class PoolCoordinator extends DurableObject<Env> {
  private name: string | undefined;
  private book = new PoolBook(undefined);
  private readonly storage: PoolStorage;
  private readonly checkMs: number;
  private readonly retryMs: number;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new PoolStorage(ctx.storage.sql);
    this.checkMs = Math.max(100, numberVar(env.HEARTBEAT_TIMEOUT_MS, DEFAULT_MACHINE_CONFIG.heartbeatTimeoutMs));
    this.retryMs = Math.max(50, numberVar(env.OUTBOX_RETRY_MS, 1_000));
    void ctx.blockConcurrencyWhile(async () => {
      const stored = this.storage.load();
      if (!stored) return;
      this.name = stored.name;
      this.book = new PoolBook(stored.slots, stored.leases);
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- RPC -----------------------------------------------------------------

  /** Creates the pool or changes its size (shrinking keeps the holders until they release). */
  async configure(input: unknown): Promise<{ created: boolean; pool: PoolView }> {
    const { name, slots } = PoolConfigureInputSchema.parse(input);
    this.name = name;
    const { created, change } = this.book.configure(slots, Date.now());
    this.storage.writeConfig(name, slots);
    this.storage.writeChange(this.book, change);
    await this.afterChange();
    return { created, pool: this.view_(name) };
  }

  /**
   * A run gives back leases and asks for new ones (its `UpdatePoolLeases` command). Answers the
   * run's leases granted or refused now; later grants reach it through `poolAnswered`.
   */
  async update(input: unknown): Promise<RunAnswer> {
    const { runId, release, acquire } = PoolUpdateInputSchema.parse(input);
    const refs = (list: ReadonlyArray<{ taskKey: string; attempt: number }>) => list.map((r) => ({ runId, taskKey: r.taskKey, attempt: r.attempt }));
    const change = this.book.update(refs(release), acquire.map((r) => ({ ...r, runId })), Date.now());
    const answer = this.book.answerFor(runId, acquire.map((r) => ({ ...r, runId })), change);
    if (this.book.configured) this.storage.writeChange(this.book, change);
    await this.afterChange();
    return answer;
  }

  async view(): Promise<PoolView | null> {
    return this.name !== undefined && this.book.configured ? this.view_(this.name) : null;
  }

  /**
   * Deletes the pool, refused (`pool_in_use`) while an attempt holds or waits for it: deleting it
   * would fail those tasks (as an unknown pool does) or let them run unbounded.
   */
  async remove(): Promise<RemoveResult> {
    if (this.name === undefined || !this.book.configured) return { ok: false, code: "not_found" };
    if (!this.book.idle) return { ok: false, code: "pool_in_use", view: this.view_(this.name) };
    this.name = undefined;
    this.book = new PoolBook(undefined);
    await this.ctx.storage.deleteAlarm();
    this.alarmAt = null;
    await this.ctx.storage.deleteAll();
    return { ok: true };
  }

  /** Holder checks and grants not yet told to their runs. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.book.configured || this.name === undefined) return;
    await this.checkHolders(this.name);
    await this.tellRuns(this.name);
    await this.armNext();
  }

  // ---- adapter internals -----------------------------------------------------

  private view_(name: string): PoolView {
    return {
      name,
      slots: this.book.slots,
      used: this.book.used,
      queued: this.book.queued,
      holders: this.book.holders().map((l) => ({
        leaseId: l.leaseId,
        runId: l.runId,
        taskKey: l.taskKey,
        attempt: l.attempt,
        slots: l.slots,
        since: iso(l.since),
      })),
      waiting: this.book
        .waiting()
        .slice(0, VIEW_WAITING)
        .map((l) => ({
          leaseId: l.leaseId,
          runId: l.runId,
          taskKey: l.taskKey,
          attempt: l.attempt,
          slots: l.slots,
          priority: l.priority,
          requestedAt: iso(l.requestedAt),
        })),
    };
  }

  /** After a change: tell other runs of their grants (not awaited by the caller) and keep the alarm armed. */
  private async afterChange(): Promise<void> {
    const name = this.name;
    if (name !== undefined && this.book.notices().size > 0) this.ctx.waitUntil(this.tellRuns(name).then(() => this.armNext()));
    await this.armNext();
  }

  /** Calls back every run with grants or refusals it was not told yet; a failed call is retried from the alarm. */
  private async tellRuns(name: string): Promise<void> {
    const notices = this.book.notices();
    await Promise.all(
      [...notices].map(async ([runId, all]) => {
        // In calls of at most NOTICE_BATCH leases (a grown pool may grant a wide map's thousands at once).
        for (let i = 0; i < all.length; i += NOTICE_BATCH) {
          const leases = all.slice(i, i + NOTICE_BATCH);
          try {
            await coordinatorFor(this.env, runId).poolAnswered({
              pool: name,
              granted: leases.filter((l) => l.status === "held").map(ref),
              refused: leases.filter((l) => l.status === "refused").map((l) => ({ ...ref(l), message: l.error ?? "refused" })),
            });
          } catch (err) {
            console.error(`pool ${name}: telling run ${runId} of its leases failed; retrying`, err);
            await this.armAlarm(Date.now() + this.retryMs);
            return;
          }
          this.persist(this.book.noticesDelivered(leases));
        }
      }),
    );
  }

  /** Asks the runs of holders not looked at for a check interval whether they still hold; frees the others. */
  private async checkHolders(name: string): Promise<void> {
    const now = Date.now();
    const byRun = new Map<string, Lease[]>();
    for (const l of this.book.dueChecks(now, this.checkMs)) byRun.set(l.runId, [...(byRun.get(l.runId) ?? []), l]);
    await Promise.all(
      [...byRun].map(async ([runId, leases]) => {
        let held: Array<{ taskKey: string; attempt: number }>;
        try {
          held = await coordinatorFor(this.env, runId).poolLeases({ pool: name, refs: leases.map(ref) });
        } catch (err) {
          // The run did not answer (a transient failure): asked again one interval later, never freed blindly.
          console.error(`pool ${name}: checking run ${runId} failed`, err);
          this.persist(this.book.markChecked(leases.map((l) => l.leaseId), Date.now()));
          return;
        }
        const still = new Set(held.map((r) => leaseId({ runId, ...r })));
        const gone = leases.filter((l) => !still.has(l.leaseId)).map((l) => l.leaseId);
        this.persist(this.book.markChecked([...still], Date.now()));
        if (gone.length > 0) {
          console.warn(`pool ${name}: freeing ${gone.length} lease(s) of run ${runId} that it no longer holds`);
          this.persist(this.book.releaseIds(gone, Date.now()));
        }
      }),
    );
  }

  private persist(change: PoolChange): void {
    if (this.book.configured) this.storage.writeChange(this.book, change);
  }

  /** The next holder check, or a retry of runs not yet told. */
  private async armNext(): Promise<void> {
    const at = this.book.nextCheckAt(this.checkMs);
    if (at !== undefined) await this.armAlarm(at);
    if (this.book.notices().size > 0) await this.armAlarm(Date.now() + Math.max(this.retryMs, 1_000));
  }

  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at && this.alarmAt > Date.now()) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }
}

function ref(l: Lease): { taskKey: string; attempt: number } {
  return { taskKey: l.taskKey, attempt: l.attempt };
}
