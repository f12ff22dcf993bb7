import { DurableObject } from "cloudflare:workers";
import { storedPlan } from "../../dag/compiled";
import type { PlannedTask } from "../../dag/plan";
import { artifactKey, artifactRefsIn, hasArtifactRef, inlineLimit, isArtifactRef, offloadOutput, type ArtifactRef } from "../../lib/artifacts";
import {
  activate,
  createRun,
  holdsPoolLease,
  nextWakeAt,
  pendingTasks,
  transition,
  type ActiveRun,
  type Effects,
  type MachineContext,
  type Offer,
  type RefusedRef,
  type RunEvent,
} from "../machine";
import {
  ChildFinishedInputSchema,
  ClaimInputSchema,
  ClearInputSchema,
  HeartbeatInputSchema,
  PoolAnsweredInputSchema,
  PoolLeasesInputSchema,
  ReportInputSchema,
  StartRunInputSchema,
} from "../rpc";
import { isFinishedRun, isTerminalTask, type ClaimedRef, type RunHeader, type TaskInstance } from "../types";
import { runSummary, type AttemptView, type RunSummary, type RunView } from "../view";
import { workOrder, type WorkOrder } from "../work-order";
import { AlertStore } from "./alert-store";
import { ArtifactCache } from "./artifact-cache";
import { deliver, type DeliveryHost, type HandOff } from "./deliveries";
import { HistoryWriter } from "./history-writer";
import { Outbox, type OutboxEntry } from "./outbox";
import { recordRunEnded } from "./run-ended";
import { coordinatorSettings, type CoordinatorSettings } from "./settings";
import { RunStorage } from "./storage";
import type { StoredTask } from "./stored-rows";
import { attemptsView, runViewWithAlerts } from "./views";

/** How long to wait before retrying a failed catalog write. */
const RETRY_LATER_MS = 5_000;

export type CommandResult = { ok: true; run: RunView } | { ok: false; code: "not_found" | "run_not_finished"; message: string };
export type { HandOff } from "./deliveries";

/**
 * One Durable Object per run: the only writer of that run's state. A thin
 * adapter around the pure machine (`../machine`): parse the call, transition,
 * write the changed rows and the commands to the outbox in one synchronous
 * block, then deliver the commands, arm the alarm and flush history. Storage
 * (storage.ts), the outbox (outbox.ts, deliveries.ts), the artifact cache,
 * history and views each live in their own module; this file is the RPC surface.
 */
export class RunCoordinator extends DurableObject<Env> {
  private run: ActiveRun | undefined;
  /** The alarm time as last set (null = none), so the hot path rarely touches the alarm. */
  private alarmAt: number | null = null;
  private readonly settings: CoordinatorSettings;
  private readonly storage: RunStorage;
  private readonly outbox: Outbox;
  private readonly alerts: AlertStore;
  /** Writes the rows marked pending to the D1 catalog. */
  private readonly history: HistoryWriter;
  /** Artifact contents the coordinator's own expressions read (bounded). */
  private readonly artifacts: ArtifactCache;
  /** Tasks whose expressions read upstream outputs (`when`, `branch`, `map.over`), and the ids they read. */
  private exprReaders: PlannedTask[] = [];
  private exprRead = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.settings = coordinatorSettings(env);
    this.storage = new RunStorage(ctx.storage.sql);
    this.outbox = new Outbox(ctx.storage.sql, this.settings.outboxRetryMs);
    this.alerts = new AlertStore(ctx.storage.sql);
    this.artifacts = new ArtifactCache(env.ARTIFACTS, this.settings.artifactCacheBytes);
    this.history = new HistoryWriter({
      sql: ctx.storage.sql,
      catalog: env.CATALOG,
      waitUntil: (p) => ctx.waitUntil(p),
      run: () => this.run?.state,
      armAlarm: (at) => this.armAlarm(at),
      delayMs: env.CATALOG_FLUSH_MS,
    });
    void ctx.blockConcurrencyWhile(async () => {
      // An object that never started a run stores nothing (a GET for an unknown run id leaves no trace).
      if (!this.storage.exists()) return;
      this.storage.migrate();
      this.load();
      // A new object (no run stored yet) has no alarm: only a started run arms one.
      if (this.run) this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- RPC -----------------------------------------------------------------

  /**
   * Starts the run, or returns the existing one (idempotent triggering by run
   * id). With an offer, the trigger gets the first ready tasks as work orders,
   * already leased to it, like a reporting worker (continuation).
   */
  async start(input: unknown): Promise<{ created: boolean; run: RunSummary; orders: WorkOrder[] }> {
    if (this.run) return { created: false, run: this.summary_(), orders: [] };
    const parsed = StartRunInputSchema.parse(input);
    const plan = storedPlan(parsed.specJson);
    const header: Omit<RunHeader, "status" | "startedAt" | "endedAt"> = {
      runId: parsed.runId,
      dagId: parsed.dagId,
      dagVersion: parsed.dagVersion,
      createdAt: Date.now(),
      params: parsed.params,
      trigger: parsed.trigger,
    };
    if (parsed.runKey !== undefined) header.runKey = parsed.runKey;
    if (parsed.logicalDate !== undefined) header.logicalDate = parsed.logicalDate;
    if (parsed.parent !== undefined) header.parent = parsed.parent;
    if (parsed.depth !== undefined) header.depth = parsed.depth;
    if (parsed.dataIntervalStart !== undefined) header.dataIntervalStart = parsed.dataIntervalStart;
    if (parsed.dataIntervalEnd !== undefined) header.dataIntervalEnd = parsed.dataIntervalEnd;
    if (parsed.ds !== undefined) header.ds = parsed.ds;
    if (parsed.backfillId !== undefined) header.backfillId = parsed.backfillId;
    this.setPlanReaders(plan.tasks);
    const { run, effects } = createRun(header, plan, this.context(), parsed.offer, { queued: parsed.queued === true });
    this.storage.create(parsed.specJson);
    this.run = run;
    await this.apply(effects);
    // A summary, not the whole view: the trigger path stays small whatever the size of the DAG.
    return { created: true, run: this.summary_(), orders: this.orders(effects.reply.handBack) };
  }

  /** A worker claims queued attempts it received; refused ones are stale, finished, cancelled or in flight elsewhere. */
  async claim(refs: unknown): Promise<{ orders: WorkOrder[]; refused: RefusedRef[] }> {
    const parsed = ClaimInputSchema.parse(refs);
    if (!this.run) return { orders: [], refused: parsed.map((r) => ({ ...r, reason: "unknown_task" as const })) };
    const fx = this.step({ type: "AttemptsClaimed", refs: parsed });
    await this.apply(fx);
    return { orders: this.orders(fx.reply.granted), refused: fx.reply.refused };
  }

  /**
   * A worker reports finished attempts. It may take up to `capacity` newly
   * ready attempts to run at once (continuation); they come back as work
   * orders, already leased to it.
   */
  async report(input: unknown): Promise<{ orders: WorkOrder[]; ignored: RefusedRef[]; parent?: HandOff }> {
    const parsed = ReportInputSchema.parse(input);
    if (!this.run) return { orders: [], ignored: [] };
    // CONTINUATION=off is applied by the consumer, which then offers no capacity.
    const { outcomes, ...offer } = parsed;
    await this.loadArtifactsFor(outcomes.map((o) => [o.taskKey, o.output] as const));
    const fx = this.step({ type: "AttemptsFinished", outcomes, ...offer });
    // When this report ends a child run, the worker's offer passes to the parent, whose next tasks
    // come back with the answer (`parent`) instead of going through the queue.
    const parent = await this.apply(fx, offer);
    return { orders: this.orders(fx.reply.handBack), ignored: fx.reply.ignored, ...(parent ? { parent } : {}) };
  }

  /** The worker running these attempts is alive: their leases are extended. Answers those no longer its own. */
  async heartbeat(input: unknown): Promise<{ ignored: RefusedRef[] }> {
    const refs = HeartbeatInputSchema.parse(input);
    if (!this.run) return { ignored: refs.map((r) => ({ taskKey: r.taskKey, attempt: r.attempt, reason: "unknown_task" as const })) };
    const fx = this.step({ type: "HeartbeatReceived", refs });
    await this.apply(fx);
    return { ignored: fx.reply.ignored };
  }

  /** A child run started by one of this run's `dag` tasks ended. */
  async childFinished(input: unknown): Promise<{ ignored: RefusedRef[]; orders: WorkOrder[] }> {
    const { offer, ...child } = ChildFinishedInputSchema.parse(input);
    if (!this.run) return { ignored: [], orders: [] };
    await this.loadArtifactsFor([]);
    const fx = this.step(offer === undefined ? { type: "ChildRunFinished", child } : { type: "ChildRunFinished", child, offer });
    await this.apply(fx);
    return { ignored: fx.reply.ignored, orders: this.orders(fx.reply.handBack) };
  }

  /**
   * A pool granted (or refused) leases this run's tasks wait for. Tasks that no longer want
   * theirs give them straight back (through the outbox); answers those.
   */
  async poolAnswered(input: unknown): Promise<{ ignored: RefusedRef[] }> {
    const { pool, granted, refused } = PoolAnsweredInputSchema.parse(input);
    if (!this.run) return { ignored: granted.map((r) => ({ ...r, reason: "unknown_task" as const })) };
    await this.loadArtifactsFor([]);
    const fx = this.step({ type: "PoolAnswered", pool, granted, refused });
    await this.apply(fx);
    return { ignored: fx.reply.ignored };
  }

  /** A pool's check: which of these attempts still hold (or wait for) their lease of it. Reads state only. */
  async poolLeases(input: unknown): Promise<Array<{ taskKey: string; attempt: number }>> {
    const { pool, refs } = PoolLeasesInputSchema.parse(input);
    const run = this.run;
    if (!run) return [];
    return refs.filter((r) => holdsPoolLease(run.state, pool, r));
  }

  async cancel(reason?: string): Promise<RunView | null> {
    if (!this.run) return null;
    const fx = this.step(reason === undefined ? { type: "CancelRequested" } : { type: "CancelRequested", reason });
    await this.apply(fx);
    return this.view_();
  }

  /** Starts a `queued` run (its DAG's object calls this when a slot under `maxActiveRuns` frees). */
  async release(): Promise<RunSummary | null> {
    if (!this.run) return null;
    await this.apply(this.step({ type: "RunReleased" }));
    return this.summary_();
  }

  /**
   * A backfill runs this finished run's date again: the failed tasks (`all: false`) or every task.
   * Answers the run's end count before the rerun (its next `RunEnded` is numbered one more), or
   * null when the run is unknown, still active, or had nothing to rerun.
   */
  async rerunForBackfill(backfillId: string, all: boolean): Promise<{ ends: number } | null> {
    if (!this.run || !isFinishedRun(this.run.state.run.status)) return null;
    const ends = this.run.state.run.ends ?? 0;
    await this.loadArtifactsFor([]);
    const event: RunEvent = all
      ? { type: "ClearRequested", taskIds: this.run.plan.tasks.map((p) => p.id), downstream: false, backfillId }
      : { type: "RetryRequested", backfillId };
    await this.apply(this.step(event));
    return (this.run.state.run.ends ?? 0) > ends || !isFinishedRun(this.run.state.run.status) ? { ends } : null;
  }

  /** Reruns the failed, upstream_failed and cancelled tasks of a finished run, keeping successful outputs. */
  async retry(): Promise<CommandResult> {
    if (!this.run) return { ok: false, code: "not_found", message: "no such run" };
    if (!isFinishedRun(this.run.state.run.status)) {
      return { ok: false, code: "run_not_finished", message: `the run is still ${this.run.state.run.status}` };
    }
    await this.loadArtifactsFor([]);
    await this.apply(this.step({ type: "RetryRequested" }));
    return { ok: true, run: this.view_() };
  }

  /** Resets tasks (and optionally everything downstream of them) and runs them again. */
  async clear(input: unknown): Promise<CommandResult> {
    const parsed = ClearInputSchema.parse(input);
    if (!this.run) return { ok: false, code: "not_found", message: "no such run" };
    await this.loadArtifactsFor([]);
    await this.apply(this.step({ type: "ClearRequested", taskIds: parsed.taskIds, downstream: parsed.downstream }));
    return { ok: true, run: this.view_() };
  }

  async view(): Promise<RunView | null> {
    return this.run ? this.view_() : null;
  }

  /** Status and times only, without the task list: what pollers need. */
  async summary(): Promise<RunSummary | null> {
    return this.run ? this.summary_() : null;
  }

  async attempts(): Promise<AttemptView[] | null> {
    return this.run ? attemptsView(this.run.state, this.run.plan) : null;
  }

  /** Retries due, leases expired, outbox deliveries and catalog writes pending: all on the one alarm. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.run) return; // only a started run arms the alarm
    await this.loadArtifactsFor([]);
    await this.apply(this.step({ type: "TimerFired" }));
    await this.drain();
    await this.history.flushNow();
    const later = this.history.pendingCount() > 0 ? Date.now() + RETRY_LATER_MS : undefined;
    const next = [nextWakeAt(this.run), this.outbox.nextDueAt(), later].filter((x): x is number => x !== undefined);
    if (next.length > 0) await this.armAlarm(Math.min(...next));
  }

  /** What tests and operators look at: memory and pending work of this object (not an RPC the engine uses). */
  get stats(): { artifactBytes: number; artifactEntries: number; outbox: number; visited: number } {
    return {
      artifactBytes: this.artifacts.bytes,
      artifactEntries: this.artifacts.size,
      outbox: this.outbox.size,
      visited: this.run?.index.visited ?? 0,
    };
  }

  // ---- adapter internals -----------------------------------------------------

  private view_(): RunView {
    const run = this.loaded();
    return runViewWithAlerts(run.state, run.plan, this.alerts.all());
  }

  private summary_(): RunSummary {
    const run = this.loaded();
    return runSummary(run.state, run.index.endedCount);
  }

  private loaded(): ActiveRun {
    if (!this.run) throw new Error("run not started");
    return this.run;
  }

  private context(): MachineContext {
    return {
      now: Date.now(),
      random: Math.random,
      config: this.settings.machine,
      resolve: (output) => (hasArtifactRef(output) ? this.artifacts.resolve(output) : output),
      token: () => crypto.randomUUID(),
    };
  }

  private step(event: RunEvent): Effects {
    return transition(this.loaded(), event, this.context());
  }

  private orders(refs: ClaimedRef[]): WorkOrder[] {
    const run = this.run;
    if (!run) return [];
    return refs.map((r) => workOrder(run.state, run.plan, r)).filter((o): o is WorkOrder => o !== undefined);
  }

  private setPlanReaders(tasks: PlannedTask[]): void {
    this.exprReaders = tasks.filter((p) => p.exprReads.length > 0);
    this.exprRead = new Set(this.exprReaders.flatMap((p) => p.exprReads));
  }

  /**
   * Loads the artifacts the coordinator's expressions may read in the coming transition: outputs
   * read by an expression of a task not yet finished, already stored or just reported. Nothing
   * else is loaded.
   */
  private async loadArtifactsFor(reported: ReadonlyArray<readonly [string, unknown]>): Promise<void> {
    const run = this.run;
    if (!run || this.exprReaders.length === 0) return;
    const needed = this.neededRefs(run);
    for (const [key, output] of reported) if (this.exprRead.has(key)) needed.push(...artifactRefsIn(output));
    // (What no unfinished task reads any more is dropped after each transition, in `apply`.)
    if (needed.length > 0) await this.artifacts.ensure(needed);
  }

  private neededRefs(run: ActiveRun): ArtifactRef[] {
    const refs: ArtifactRef[] = [];
    for (const p of this.exprReaders) {
      const t = run.state.tasks.get(p.id);
      if (!t || isTerminalTask(t.status)) continue;
      for (const id of p.exprReads) refs.push(...artifactRefsIn(run.state.tasks.get(id)?.output));
    }
    return refs;
  }

  private deliveryHost(): DeliveryHost {
    return {
      env: this.env,
      runId: this.loaded().state.run.runId,
      alerts: this.alerts,
      runEnded: (event) => recordRunEnded({ env: this.env, catalog: this.env.CATALOG, flushWith: (s) => this.history.flushWith(s) }, event),
      poolAnswered: async (answer) => {
        await this.poolAnswered(answer);
      },
    };
  }

  /** Delivers outbox entries (default: all that are due); a failure arms the alarm for its retry. */
  private async drain(only?: OutboxEntry[]): Promise<void> {
    const host = this.deliveryHost();
    const next = await this.outbox.drain((e) => deliver(host, e).then(() => undefined), Date.now, only);
    if (next !== undefined) await this.armAlarm(next);
  }

  /**
   * Persists what a transition changed and the commands it issued (one synchronous block), then
   * delivers the commands, arms the alarm and flushes history. `parentOffer`: when the run ends,
   * the room passed on to its parent with the notification; what the parent hands back is returned.
   */
  private async apply(fx: Effects, parentOffer?: Offer): Promise<HandOff | undefined> {
    const run = this.loaded();
    const { state } = run;
    await this.offloadLargeOutputs(fx);
    // ---- one synchronous block: rows and outbox commit together ----
    const history = fx.changes.history;
    if (fx.changes.run) this.storage.writeRun(state.run, this.history.mark("#run"));
    // An ended attempt is kept in its task's row: a hop writes the finished task and the next one, nothing else.
    for (const a of fx.changes.attempts) {
      const t = state.tasks.get(a.taskKey) as StoredTask | undefined;
      if (!t) continue;
      const list = (t.history ??= []);
      const at = list.findIndex((h) => h.attempt === a.attempt);
      if (at >= 0) list[at] = a;
      else list.push(a);
      fx.changes.tasks.add(a.taskKey);
    }
    if (fx.changes.grantsOnly) {
      // Grants of queued attempts: one row for the whole claim (folded into the task rows on load).
      this.storage.writeGrants([...fx.changes.tasks].map((key) => state.tasks.get(key)).filter((t): t is TaskInstance => t !== undefined));
    } else {
      for (const key of fx.changes.tasks) {
        const t = state.tasks.get(key);
        if (!t) this.storage.deleteTask(key);
        else this.storage.writeTask(t, history ? this.history.mark(key) : undefined);
      }
    }
    if (fx.finished !== undefined) this.storage.clearGrants();
    for (const c of fx.commands) if (c.type === "DeliverAlert") this.alerts.add({ ...c.alert, status: "pending", attempts: 0 });
    const added = this.outbox.add(fx.commands, Date.now());
    // ---- end of the block ----
    const due = nextWakeAt(run);
    if (due !== undefined) await this.armAlarm(due);
    // The drain below delivers at once; if it dies with the object, the alarm takes over.
    if (added.length > 0) await this.armAlarm(Date.now() + this.settings.outboxLeaseMs);
    let handOff: HandOff | undefined;
    const notify = parentOffer === undefined ? undefined : added.find((e) => e.command.type === "NotifyParent");
    if (notify) {
      // The worker waits for this answer: the parent's next tasks come back to it.
      const host = this.deliveryHost();
      await this.outbox.deliverNow(
        notify,
        async (e) => {
          handOff = await deliver(host, e, parentOffer);
        },
        Date.now,
      );
    }
    const rest = added.filter((e) => e !== notify);
    // Not awaited: the caller (a trigger, a worker waiting for its next task) gets its answer
    // without waiting for the queue; the rows are durable, and a failed delivery is retried.
    if (rest.length > 0) this.ctx.waitUntil(this.drain(rest));
    // A run that ended has nothing left to coalesce with: its history goes to the catalog now
    // (a failure arms the alarm to retry), so no in-memory timer is left behind.
    if (history) {
      if (fx.finished !== undefined) this.ctx.waitUntil(this.history.flushNow());
      else this.history.schedule();
    }
    if (this.artifacts.size > 0) this.artifacts.retainOnly(new Set(this.neededRefs(run).map((r) => r.$artifact)));
    return handOff;
  }

  /**
   * A mapped task's output is the list of its instances' outputs, built here
   * rather than by a worker: past the inline limit it goes to R2 like any large
   * output, so a 10,000-wide map never writes an oversized row.
   */
  private async offloadLargeOutputs(fx: Effects): Promise<void> {
    const run = this.loaded();
    for (const key of fx.changes.tasks) {
      const t = run.state.tasks.get(key);
      if (!t || t.mapped === undefined || !Array.isArray(t.output)) continue;
      const value = t.output;
      const stored = await offloadOutput(this.env.ARTIFACTS, inlineLimit(this.env), artifactKey(run.state.run.runId, key, t.attempt), value);
      if (isArtifactRef(stored)) {
        if (this.exprRead.has(key)) this.artifacts.set(stored, value);
        t.output = stored;
      }
    }
  }

  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /** Loads the run from storage after a restart or eviction (rows parsed: refused loudly if not understood). */
  private load(): void {
    const stored = this.storage.load();
    if (!stored) return;
    const plan = storedPlan(stored.specJson);
    // Tasks never written are still pending; mapped instances are always written when created.
    const tasks: Map<string, TaskInstance> = pendingTasks(plan);
    for (const [key, t] of stored.tasks) tasks.set(key, t);
    this.setPlanReaders(plan.tasks);
    this.run = activate({ run: stored.run, tasks }, plan);
    this.outbox.load();
    this.history.resume();
  }
}
