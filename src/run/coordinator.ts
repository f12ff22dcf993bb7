import { DurableObject } from "cloudflare:workers";
import { storedPlan } from "../dag/compiled";
import type { Plan } from "../dag/plan";
import { artifactKey, hasArtifactRef, inlineLimit, isArtifactRef, offloadOutput, resolveOutput } from "../lib/artifacts";
import type { QueueMessage } from "../queue/messages";
import { coordinatorFor } from "./client";
import { HistoryWriter, type StoredTask } from "./history-writer";
import {
  attemptRecord,
  createRun,
  DEFAULT_MACHINE_CONFIG,
  nextWakeAt,
  pendingTasks,
  transition,
  type AlertRequest,
  type Effects,
  type MachineConfig,
  type MachineContext,
  type Offer,
  type RefusedRef,
  type RunEvent,
} from "./machine";
import {
  AlertResultInputSchema,
  ChildFinishedInputSchema,
  ClaimInputSchema,
  ClearInputSchema,
  ReportInputSchema,
  StartRunInputSchema,
} from "./rpc";
import { isFinishedRun, type AttemptRecord, type RunHeader, type RunState, type TaskInstance } from "./types";
import { attemptView, runSummary, runView, type AttemptView, type RunSummary, type RunView } from "./view";
import { workOrder, type WorkOrder } from "./work-order";

/** How long to wait before retrying a failed catalog write or parent notification. */
const RETRY_LATER_MS = 5_000;
/** Version of the coordinator's storage layout (see `migrate`). */
const SCHEMA_VERSION = "3";
/** Messages per `sendBatch` call (the Queues limit). */
const SEND_BATCH = 100;

interface Loaded {
  state: RunState;
  plan: Plan;
}

/** A failure alert as the coordinator stores it. */
export interface AlertRecord extends AlertRequest {
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastError?: string;
  sent: boolean;
}

/** Work another run (a parent) handed to the worker through this run's answer. */
export interface HandOff {
  runId: string;
  orders: WorkOrder[];
}

export type CommandResult = { ok: true; run: RunView } | { ok: false; code: "not_found" | "run_not_finished"; message: string };

/**
 * One Durable Object per run: the only writer of that run's state. A thin
 * adapter around the pure machine (machine.ts): parse the call, transition,
 * persist exactly the rows that changed, then carry out the effects (queue
 * sends, alarm, catalog writes, child runs, the parent's notification).
 *
 * Storage (SQLite): `meta` (run header, spec), `tasks` (one row per task
 * instance, with its ended attempts), each row marked `pending` until written to D1,
 * `alerts` (failure alerts and their delivery).
 */
export class RunCoordinator extends DurableObject<Env> {
  private loaded: Loaded | undefined;
  /** The alarm time as last set (null = none), so the hot path rarely touches the alarm. */
  private alarmAt: number | null = null;
  /** Writes the rows marked pending to the D1 catalog (history-writer.ts). */
  private readonly history: HistoryWriter;
  /** Artifact contents loaded for expressions the coordinator evaluates (when, branch, map.over). */
  private artifacts = new Map<string, unknown>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.history = new HistoryWriter({
      sql: ctx.storage.sql,
      catalog: env.CATALOG,
      waitUntil: (p) => ctx.waitUntil(p),
      run: () => this.loaded?.state,
      armAlarm: (at) => this.armAlarm(at),
      delayMs: env.CATALOG_FLUSH_MS,
    });
    void ctx.blockConcurrencyWhile(async () => {
      // An object that never started a run stores nothing (a GET for an unknown run id leaves no trace).
      if (!this.hasSchema()) return;
      this.migrate();
      this.load();
      // A new object (no run stored yet) has no alarm: only a started run arms one.
      if (this.loaded) {
        this.alarmAt = await ctx.storage.getAlarm();
        await this.preloadArtifacts();
      }
    });
  }

  // ---- RPC -----------------------------------------------------------------

  /**
   * Starts the run, or returns the existing one (idempotent triggering by run
   * id). With an offer, the trigger gets the first ready tasks as work orders,
   * already leased to it, like a reporting worker (continuation).
   */
  async start(input: unknown): Promise<{ created: boolean; run: RunSummary; orders: WorkOrder[] }> {
    if (this.loaded) return { created: false, run: runSummary(this.loaded.state), orders: [] };
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
    const { state, effects } = createRun(header, plan, this.context(), parsed.offer);
    this.migrate();
    this.sql("INSERT OR REPLACE INTO meta (k, v) VALUES ('spec', ?), ('schema', ?)", parsed.specJson, SCHEMA_VERSION);
    this.loaded = { state, plan };
    await this.apply(effects);
    // A summary, not the whole view: the trigger path stays small whatever the size of the DAG.
    return { created: true, run: runSummary(state), orders: this.orders(effects.handBack) };
  }

  /** A worker claims queued attempts it received; refused ones are stale, finished or cancelled. */
  async claim(refs: unknown): Promise<{ orders: WorkOrder[]; refused: RefusedRef[] }> {
    const parsed = ClaimInputSchema.parse(refs);
    if (!this.loaded) return { orders: [], refused: parsed.map((r) => ({ ...r, reason: "unknown_task" as const })) };
    const fx = this.step({ type: "AttemptsClaimed", refs: parsed });
    await this.apply(fx);
    return { orders: this.orders(fx.granted), refused: fx.refused };
  }

  /**
   * A worker reports finished attempts. It may take up to `capacity` newly
   * ready attempts to run at once (continuation); they come back as work
   * orders, already leased to it.
   */
  async report(input: unknown): Promise<{ orders: WorkOrder[]; ignored: RefusedRef[]; parent?: HandOff }> {
    const parsed = ReportInputSchema.parse(input);
    if (!this.loaded) return { orders: [], ignored: [] };
    await this.preload(parsed.outcomes.map((o) => o.output));
    // CONTINUATION=off is applied by the consumer, which then offers no capacity.
    const { outcomes, ...offer } = parsed;
    const fx = this.step({ type: "AttemptsFinished", outcomes, ...offer });
    // When this report ends a child run, the worker's offer passes to the parent, whose next tasks
    // come back with the answer (`parent`) instead of going through the queue.
    const parent = await this.apply(fx, offer);
    return { orders: this.orders(fx.handBack), ignored: fx.ignored, ...(parent ? { parent } : {}) };
  }

  /** A child run started by one of this run's `dag` tasks ended. */
  async childFinished(input: unknown): Promise<{ ignored: RefusedRef[]; orders: WorkOrder[] }> {
    const { offer, ...child } = ChildFinishedInputSchema.parse(input);
    if (!this.loaded) return { ignored: [], orders: [] };
    const fx = this.step(offer === undefined ? { type: "ChildRunFinished", child } : { type: "ChildRunFinished", child, offer });
    await this.apply(fx);
    return { ignored: fx.ignored, orders: this.orders(fx.handBack) };
  }

  async cancel(reason?: string): Promise<RunView | null> {
    if (!this.loaded) return null;
    const fx = this.step(reason === undefined ? { type: "CancelRequested" } : { type: "CancelRequested", reason });
    await this.apply(fx);
    return this.view_();
  }

  /** Reruns the failed, upstream_failed and cancelled tasks of a finished run, keeping successful outputs. */
  async retry(): Promise<CommandResult> {
    if (!this.loaded) return { ok: false, code: "not_found", message: "no such run" };
    if (!isFinishedRun(this.loaded.state.run.status)) {
      return { ok: false, code: "run_not_finished", message: `the run is still ${this.loaded.state.run.status}` };
    }
    await this.apply(this.step({ type: "RetryRequested" }));
    return { ok: true, run: this.view_() };
  }

  /** Resets tasks (and optionally everything downstream of them) and runs them again. */
  async clear(input: unknown): Promise<CommandResult> {
    const parsed = ClearInputSchema.parse(input);
    if (!this.loaded) return { ok: false, code: "not_found", message: "no such run" };
    await this.apply(this.step({ type: "ClearRequested", taskIds: parsed.taskIds, downstream: parsed.downstream }));
    return { ok: true, run: this.view_() };
  }

  async view(): Promise<RunView | null> {
    return this.loaded ? this.view_() : null;
  }

  /** Status and times only, without the task list: what pollers need. */
  async summary(): Promise<RunSummary | null> {
    return this.loaded ? runSummary(this.loaded.state) : null;
  }

  async attempts(): Promise<AttemptView[] | null> {
    const run = this.loaded;
    if (!run) return null;
    // Ended attempts live in their task rows (`history`); attempts in flight are the task rows' current ones.
    const order = new Map(run.plan.tasks.map((p) => [p.id, p.index]));
    const all: AttemptRecord[] = [];
    for (const t of run.state.tasks.values()) {
      all.push(...((t as StoredTask).history ?? []));
      if ((t.status === "queued" || t.status === "running") && t.attempt > 0 && t.mapped === undefined) {
        all.push(attemptRecord(t, t.status === "queued" ? "queued" : "running"));
      }
    }
    all.sort(
      (a, b) =>
        a.queuedAt - b.queuedAt ||
        (order.get(a.taskId) ?? 0) - (order.get(b.taskId) ?? 0) ||
        (a.mapIndex ?? -1) - (b.mapIndex ?? -1) ||
        a.attempt - b.attempt,
    );
    return all.map(attemptView);
  }

  /** An alert's target and summary, for the worker that delivers it. */
  async alert(alertId: string): Promise<AlertRecord | null> {
    if (!this.loaded) return null;
    const row = this.rows<{ v: string }>("SELECT v FROM alerts WHERE id = ?", alertId)[0];
    return row ? (JSON.parse(row.v) as AlertRecord) : null;
  }

  /** Records one delivery attempt of an alert. */
  async alertResult(input: unknown): Promise<void> {
    const r = AlertResultInputSchema.parse(input);
    const alert = await this.alert(r.alertId);
    if (!alert || alert.status === "delivered") return;
    alert.attempts = Math.max(alert.attempts, r.attempt);
    if (r.ok) {
      alert.status = "delivered";
      delete alert.lastError;
    } else {
      if (r.error !== undefined) alert.lastError = r.error;
      if (r.final) alert.status = "failed";
    }
    this.sql("UPDATE alerts SET v = ? WHERE id = ?", JSON.stringify(alert), r.alertId);
  }

  /** Retries due, leases expired, catalog writes and notifications pending: all on the one alarm. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.loaded) return; // only a started run arms the alarm
    // (Artifacts a reloaded object needs were preloaded by the constructor.)
    await this.apply(this.step({ type: "TimerFired" }));
    await this.notifyParentIfDue();
    await this.sendUnsentAlerts();
    await this.history.flushNow();
    const pendingOutbox = this.history.pendingCount();
    const due = nextWakeAt(this.loaded.state);
    const later = pendingOutbox > 0 || this.meta("notify_parent") === "pending" ? Date.now() + RETRY_LATER_MS : undefined;
    const next = [due, later].filter((x): x is number => x !== undefined);
    if (next.length > 0) await this.armAlarm(Math.min(...next));
  }

  // ---- adapter internals -----------------------------------------------------

  private view_(): RunView {
    const run = this.loaded;
    if (!run) throw new Error("run not started");
    const alerts = this.rows<{ v: string }>("SELECT v FROM alerts ORDER BY rowid").map((r) => {
      const a = JSON.parse(r.v) as AlertRecord;
      return { alertId: a.alertId, event: a.summary.event, taskId: a.summary.taskId, url: a.target.url, status: a.status, attempts: a.attempts, lastError: a.lastError ?? null };
    });
    const view: RunView = { ...runView(run.state, run.plan), alerts };
    return view;
  }

  private context(): MachineContext {
    return {
      now: Date.now(),
      random: Math.random,
      config: this.config(),
      resolve: (output) => (hasArtifactRef(output) ? this.resolveCached(output) : output),
    };
  }

  private resolveCached(output: unknown): unknown {
    if (isArtifactRef(output)) return this.artifacts.get(output.$artifact) ?? output;
    if (Array.isArray(output)) return output.map((o) => (isArtifactRef(o) ? (this.artifacts.get(o.$artifact) ?? o) : o));
    return output;
  }

  /** Loads the artifacts among these outputs, for expressions that may read them. */
  private async preload(outputs: unknown[]): Promise<void> {
    const refs = outputs.flatMap((o) => (isArtifactRef(o) ? [o] : Array.isArray(o) ? o.filter(isArtifactRef) : []));
    await Promise.all(
      refs
        .filter((ref) => !this.artifacts.has(ref.$artifact))
        .map(async (ref) => {
          this.artifacts.set(ref.$artifact, await resolveOutput(this.env.ARTIFACTS, ref));
        }),
    );
  }

  /** After a restart: load artifacts of finished tasks whose outputs pending expressions may read. */
  private async preloadArtifacts(): Promise<void> {
    if (!this.loaded || isFinishedRun(this.loaded.state.run.status)) return;
    await this.preload([...this.loaded.state.tasks.values()].filter((t) => t.status === "success").map((t) => t.output));
  }

  /** Lease settings, overridable per deployment (vars `DISPATCH_LEASE_MS`, `LEASE_MARGIN_MS`, `MAX_LOST_ATTEMPTS`). */
  private config(): MachineConfig {
    const num = (raw: string | undefined, fallback: number): number => {
      const n = Number(raw);
      return raw !== undefined && raw !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
    };
    return {
      dispatchLeaseMs: num(this.env.DISPATCH_LEASE_MS, DEFAULT_MACHINE_CONFIG.dispatchLeaseMs),
      leaseMarginMs: num(this.env.LEASE_MARGIN_MS, DEFAULT_MACHINE_CONFIG.leaseMarginMs),
      maxLostAttempts: num(this.env.MAX_LOST_ATTEMPTS, DEFAULT_MACHINE_CONFIG.maxLostAttempts),
    };
  }

  private step(event: RunEvent): Effects {
    const run = this.loaded;
    if (!run) throw new Error("run not started");
    return transition(run.state, run.plan, event, this.context());
  }

  private orders(refs: Effects["granted"]): WorkOrder[] {
    const run = this.loaded;
    if (!run) return [];
    return refs.map((r) => workOrder(run.state, run.plan, r)).filter((o): o is WorkOrder => o !== undefined);
  }

  /**
   * Persists what a transition changed, then sends, arms, notifies and flushes.
   * `parentOffer`: when the run ends, the room passed on to its parent; what the
   * parent hands back is returned.
   */
  private async apply(fx: Effects, parentOffer?: Offer): Promise<HandOff | undefined> {
    const run = this.loaded;
    if (!run) return undefined;
    const { state } = run;
    const { runId } = state.run;
    await this.offloadLargeOutputs(fx);
    // Each row written here is also marked pending for the catalog (its `pending` column holds a
    // sequence number): one statement per changed row, and the flush reads current values.
    if (fx.runChanged) {
      this.sql("INSERT OR REPLACE INTO meta (k, v, pending) VALUES ('run', ?, ?)", JSON.stringify(state.run), this.history.mark("#run"));
    }
    // An ended attempt is kept in its task's row: a hop writes the finished task and the next one, nothing else.
    for (const a of fx.attempts) {
      const t = state.tasks.get(a.taskKey) as StoredTask | undefined;
      if (!t) continue;
      const history = (t.history ??= []);
      const at = history.findIndex((h) => h.attempt === a.attempt);
      if (at >= 0) history[at] = a;
      else history.push(a);
      fx.changedTasks.add(a.taskKey);
    }
    for (const key of fx.changedTasks) {
      const t = state.tasks.get(key);
      if (!t) {
        // Removed (a mapped task expanded again on rerun).
        this.sql("DELETE FROM tasks WHERE key = ?", key);
        continue;
      }
      this.sql(
        "INSERT INTO tasks (key, v, pending) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET v = excluded.v, pending = excluded.pending",
        key,
        JSON.stringify(t),
        this.history.mark(key),
      );
    }
    for (const alert of fx.alerts) {
      const record: AlertRecord = { ...alert, status: "pending", attempts: 0, sent: false };
      this.sql("INSERT OR IGNORE INTO alerts (id, v) VALUES (?, ?)", alert.alertId, JSON.stringify(record));
    }
    if (fx.finished !== undefined && state.run.parent) this.sql("INSERT OR REPLACE INTO meta (k, v) VALUES ('notify_parent', 'pending')");
    if (fx.finished === undefined && fx.runChanged && state.run.parent && !isFinishedRun(state.run.status)) {
      // Reopened by a retry or clear: the parent will be told again when it ends.
      this.sql("DELETE FROM meta WHERE k = 'notify_parent'");
    }

    if (fx.wakeAt !== undefined) await this.armAlarm(fx.wakeAt);
    if (fx.finished !== undefined && nextWakeAt(state) === undefined && this.alarmAt !== null) {
      await this.ctx.storage.deleteAlarm();
      this.alarmAt = null;
    }
    if (fx.dispatch.length > 0) {
      // Not awaited: the attempts are stored as queued with a dispatch lease, so a send that fails
      // (or never happens) is repeated by the alarm. The caller (a trigger, a worker waiting for its
      // next task) gets its answer without waiting for the queue.
      this.ctx.waitUntil(
        this.send(
          runId,
          fx.dispatch.map((r) => ({ v: 1, runId, taskKey: r.taskKey, attempt: r.attempt })),
        ).then(() => undefined),
      );
    }
    if (fx.alerts.length > 0) await this.sendUnsentAlerts();
    for (const childRunId of fx.cancelChildren) {
      this.ctx.waitUntil(
        coordinatorFor(this.env, childRunId)
          .cancel(`parent run ${runId} cancelled`)
          .then(
            () => undefined,
            (err: unknown) => console.error(`run ${runId}: cancelling child ${childRunId} failed`, err),
          ),
      );
    }
    const handOff = fx.finished !== undefined ? await this.notifyParentIfDue(parentOffer) : undefined;
    // A run that ended has nothing left to coalesce with: its history goes to the catalog now
    // (a failure arms the alarm to retry), so no in-memory timer is left behind.
    if (fx.finished !== undefined) this.ctx.waitUntil(this.history.flushNow());
    else this.history.schedule();
    return handOff;
  }

  /**
   * A mapped task's output is the list of its instances' outputs, built here
   * rather than by a worker: past the inline limit it goes to R2 like any large
   * output, so a 10,000-wide map never writes an oversized row.
   */
  private async offloadLargeOutputs(fx: Effects): Promise<void> {
    const run = this.loaded;
    if (!run) return;
    for (const key of fx.changedTasks) {
      const t = run.state.tasks.get(key);
      if (!t || t.mapped === undefined || !Array.isArray(t.output)) continue;
      const value = t.output;
      const stored = await offloadOutput(this.env.ARTIFACTS, inlineLimit(this.env), artifactKey(run.state.run.runId, key, t.attempt), value);
      if (isArtifactRef(stored)) {
        this.artifacts.set(stored.$artifact, value);
        t.output = stored;
      }
    }
  }

  /**
   * Tells the parent run (if any) that this run ended; retried from the alarm
   * until it answers. With an offer (a worker's, passed on), the parent's
   * newly ready tasks come back leased to that worker.
   */
  private async notifyParentIfDue(offer?: Offer): Promise<HandOff | undefined> {
    const run = this.loaded?.state.run;
    if (!run?.parent || !isFinishedRun(run.status) || this.meta("notify_parent") !== "pending") return undefined;
    try {
      const { orders } = await coordinatorFor(this.env, run.parent.runId).childFinished({
        taskKey: run.parent.taskKey,
        attempt: run.parent.attempt,
        childRunId: run.runId,
        status: run.status,
        ...(offer === undefined ? {} : { offer }),
      });
      this.sql("INSERT OR REPLACE INTO meta (k, v) VALUES ('notify_parent', 'done')");
      return orders.length > 0 ? { runId: run.parent.runId, orders } : undefined;
    } catch (err) {
      console.error(`run ${run.runId}: telling parent ${run.parent.runId} failed; the alarm retries`, err);
      await this.armAlarm(Date.now() + RETRY_LATER_MS);
      return undefined;
    }
  }

  private async sendUnsentAlerts(): Promise<void> {
    const run = this.loaded?.state.run;
    if (!run) return;
    const unsent = this.rows<{ id: string; v: string }>("SELECT id, v FROM alerts").filter(
      (r) => !(JSON.parse(r.v) as AlertRecord).sent,
    );
    if (unsent.length === 0) return;
    const ok = await this.send(
      run.runId,
      unsent.map((r) => ({ v: 1, kind: "alert", runId: run.runId, alertId: r.id })),
    );
    if (!ok) return;
    for (const r of unsent) {
      const a = JSON.parse(r.v) as AlertRecord;
      a.sent = true;
      this.sql("UPDATE alerts SET v = ? WHERE id = ?", JSON.stringify(a), r.id);
    }
  }

  private async send(runId: string, bodies: QueueMessage[]): Promise<boolean> {
    try {
      for (let i = 0; i < bodies.length; i += SEND_BATCH) {
        await this.env.TASKS.sendBatch(
          bodies.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: "json" as const })),
        );
      }
      return true;
    } catch (err) {
      // Attempts stay queued with a dispatch lease (alerts stay unsent): the alarm sends them again.
      console.error(`run ${runId}: queue send failed, the alarm will retry`, err);
      await this.armAlarm(Date.now() + RETRY_LATER_MS);
      return false;
    }
  }

  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /**
   * The coordinator's own schema (version 3, recorded in meta as `schema`). `pending` marks a row
   * changed since the last catalog write (a sequence number; 0 = written). Ended attempts live in
   * their task row's `history`. (Versions 1–2 only ever ran locally before the first release.)
   */
  private migrate(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL, pending INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, v TEXT NOT NULL, pending INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, v TEXT NOT NULL);
    `);
    // No index on `pending`: a flush scanning the rows (every CATALOG_FLUSH_MS) costs less than
    // maintaining an index on every task transition.
  }

  private hasSchema(): boolean {
    return this.rows("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length > 0;
  }

  private meta(key: string): string | undefined {
    return this.rows<{ v: string }>("SELECT v FROM meta WHERE k = ?", key)[0]?.v;
  }

  /** Loads the run from storage after a restart or eviction (JSON read back is trusted: only this class writes it). */
  private load(): void {
    const meta = new Map(this.rows<{ k: string; v: string }>("SELECT k, v FROM meta WHERE k IN ('run', 'spec')").map((r) => [r.k, r.v]));
    const runJson = meta.get("run");
    const specJson = meta.get("spec");
    if (runJson === undefined || specJson === undefined) return;
    const plan = storedPlan(specJson);
    // Tasks never written are still pending; mapped instances are always written when created.
    const tasks = pendingTasks(plan);
    for (const r of this.rows<{ key: string; v: string }>("SELECT key, v FROM tasks")) {
      tasks.set(r.key, JSON.parse(r.v) as TaskInstance);
    }
    this.loaded = { state: { run: JSON.parse(runJson) as RunHeader, tasks }, plan };
    this.history.resume();
  }

  private sql(query: string, ...bindings: SqlStorageValue[]): void {
    this.ctx.storage.sql.exec(query, ...bindings);
  }

  private rows<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.ctx.storage.sql.exec<T>(query, ...bindings).toArray();
  }
}
