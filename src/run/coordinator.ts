import { DurableObject } from "cloudflare:workers";
import { compileDag, type Plan } from "../dag/plan";
import { DagSpecSchema } from "../dag/spec";
import { catalog, writeHistory, type HistoryRecord } from "../db/catalog";
import { outboxKey } from "../lib/ids";
import type { TaskMessage } from "../queue/messages";
import {
  createRun,
  DEFAULT_MACHINE_CONFIG,
  nextWakeAt,
  transition,
  type Effects,
  type MachineConfig,
  type MachineContext,
  type RefusedRef,
  type RunEvent,
} from "./machine";
import { ClaimInputSchema, ReportInputSchema, StartRunInputSchema } from "./rpc";
import type { AttemptRecord, RunHeader, RunState, TaskInstance } from "./types";
import { attemptView, runView, type AttemptView, type RunView } from "./view";
import { workOrder, type WorkOrder } from "./work-order";

/** How long to wait before retrying a failed catalog write. */
const FLUSH_RETRY_MS = 5_000;
/** Catalog rows written per D1 batch. */
const FLUSH_BATCH = 100;
/** Messages per `sendBatch` call (the Queues limit). */
const SEND_BATCH = 100;

interface Loaded {
  state: RunState;
  plan: Plan;
}

/**
 * One Durable Object per run: the only writer of that run's state. A thin
 * adapter around the pure machine (machine.ts): parse the call, load state,
 * transition, persist exactly the rows that changed, then carry out the
 * effects (queue sends, alarm, catalog outbox).
 *
 * Storage (SQLite): `meta` (run header, spec), `tasks` (one row per task
 * instance), `attempts` (history), `outbox` (catalog writes not yet in D1).
 */
export class RunCoordinator extends DurableObject<Env> {
  private loaded: Loaded | undefined;
  /** The alarm time as last set (null = none), so the hot path rarely touches the alarm. */
  private alarmAt: number | null = null;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private seq = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      this.load();
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- RPC -----------------------------------------------------------------

  /** Starts the run, or returns the existing one (idempotent triggering by run id). */
  async start(input: unknown): Promise<{ created: boolean; run: RunView }> {
    if (this.loaded) return { created: false, run: runView(this.loaded.state, this.loaded.plan) };
    const parsed = StartRunInputSchema.parse(input);
    const spec = DagSpecSchema.parse(JSON.parse(parsed.specJson));
    const plan = compileDag(spec);
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
    const { state, effects } = createRun(header, plan, this.context());
    this.sql("INSERT OR REPLACE INTO meta (k, v) VALUES ('spec', ?)", parsed.specJson);
    this.loaded = { state, plan };
    await this.apply(effects);
    // The run row reaches the catalog before the trigger answers, so listings show it at once.
    await this.flushNow();
    return { created: true, run: runView(state, plan) };
  }

  /** A worker claims queued attempts it received; refused ones are stale, finished or cancelled. */
  async claim(refs: unknown): Promise<{ orders: WorkOrder[]; refused: RefusedRef[] }> {
    const parsed = ClaimInputSchema.parse(refs);
    const run = this.loaded;
    if (!run) return { orders: [], refused: parsed.map((r) => ({ ...r, reason: "unknown_task" as const })) };
    const fx = this.step({ type: "AttemptsClaimed", refs: parsed });
    await this.apply(fx);
    return { orders: this.orders(fx.granted), refused: fx.refused };
  }

  /**
   * A worker reports finished attempts. It may take up to `capacity` newly
   * ready attempts to run at once (continuation); they come back as work
   * orders, already leased to it.
   */
  async report(input: unknown): Promise<{ orders: WorkOrder[]; ignored: RefusedRef[] }> {
    const parsed = ReportInputSchema.parse(input);
    if (!this.loaded) return { orders: [], ignored: [] };
    const capacity = this.env.CONTINUATION === "off" ? 0 : parsed.capacity;
    const fx = this.step({ type: "AttemptsFinished", outcomes: parsed.outcomes, capacity });
    await this.apply(fx);
    return { orders: this.orders(fx.handBack), ignored: fx.ignored };
  }

  async cancel(reason?: string): Promise<RunView | null> {
    if (!this.loaded) return null;
    const fx = this.step(reason === undefined ? { type: "CancelRequested" } : { type: "CancelRequested", reason });
    await this.apply(fx);
    return runView(this.loaded.state, this.loaded.plan);
  }

  async view(): Promise<RunView | null> {
    return this.loaded ? runView(this.loaded.state, this.loaded.plan) : null;
  }

  async attempts(): Promise<AttemptView[] | null> {
    if (!this.loaded) return null;
    return this.rows<{ v: string }>("SELECT v FROM attempts ORDER BY rowid").map((r) =>
      attemptView(JSON.parse(r.v) as AttemptRecord),
    );
  }

  /** Retries due, leases expired, catalog writes pending: all multiplexed onto the one alarm. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (this.loaded) await this.apply(this.step({ type: "TimerFired" }));
    await this.flushNow();
    const pendingOutbox = this.rows<{ n: number }>("SELECT count(*) AS n FROM outbox")[0]?.n ?? 0;
    const due = this.loaded ? nextWakeAt(this.loaded.state) : undefined;
    const retryFlush = pendingOutbox > 0 ? Date.now() + FLUSH_RETRY_MS : undefined;
    const next = [due, retryFlush].filter((x): x is number => x !== undefined);
    if (next.length > 0) await this.armAlarm(Math.min(...next));
  }

  // ---- adapter internals -----------------------------------------------------

  private context(): MachineContext {
    return { now: Date.now(), random: Math.random, config: this.config() };
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

  /** Persists what a transition changed, then sends, arms and flushes. */
  private async apply(fx: Effects): Promise<void> {
    const run = this.loaded;
    if (!run) return;
    const { state } = run;
    const { runId, dagId } = state.run;
    if (fx.runChanged) {
      this.sql("INSERT OR REPLACE INTO meta (k, v) VALUES ('run', ?)", JSON.stringify(state.run));
      this.enqueueHistory(outboxKey.run(), { kind: "run", run: state.run });
    }
    for (const key of fx.changedTasks) {
      const t = state.tasks.get(key);
      if (!t) continue;
      this.sql("INSERT OR REPLACE INTO tasks (key, v) VALUES (?, ?)", key, JSON.stringify(t));
      this.enqueueHistory(outboxKey.task(key), { kind: "task", dagId, runId, task: t });
    }
    for (const a of fx.attempts) {
      this.sql(
        "INSERT INTO attempts (key, attempt, v) VALUES (?, ?, ?) ON CONFLICT (key, attempt) DO UPDATE SET v = excluded.v",
        a.taskKey,
        a.attempt,
        JSON.stringify(a),
      );
      this.enqueueHistory(outboxKey.attempt(a.taskKey, a.attempt), { kind: "attempt", dagId, runId, attempt: a });
    }

    if (fx.wakeAt !== undefined) await this.armAlarm(fx.wakeAt);
    if (fx.finished !== undefined && nextWakeAt(state) === undefined && this.alarmAt !== null) {
      await this.ctx.storage.deleteAlarm();
      this.alarmAt = null;
    }
    if (fx.dispatch.length > 0) await this.send(runId, fx.dispatch);
    this.scheduleFlush();
  }

  private async send(runId: string, refs: Effects["dispatch"]): Promise<void> {
    try {
      for (let i = 0; i < refs.length; i += SEND_BATCH) {
        const chunk = refs.slice(i, i + SEND_BATCH).map((r) => ({
          body: { v: 1, runId, taskKey: r.taskKey, attempt: r.attempt } satisfies TaskMessage,
          contentType: "json" as const,
        }));
        await this.env.TASKS.sendBatch(chunk);
      }
    } catch (err) {
      // The attempts stay queued with a dispatch lease: the alarm sends them again.
      console.error(`run ${runId}: queue send failed, the alarm will retry`, err);
    }
  }

  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  private enqueueHistory(key: string, record: HistoryRecord): void {
    this.seq += 1;
    this.sql("INSERT OR REPLACE INTO outbox (k, seq, v) VALUES (?, ?, ?)", key, this.seq, JSON.stringify(record));
  }

  /** Starts a background catalog flush, coalescing with one already running. */
  private scheduleFlush(): void {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
    this.ctx.waitUntil(this.flushing);
  }

  private async flushNow(): Promise<void> {
    if (this.flushing) await this.flushing;
    this.scheduleFlush();
    if (this.flushing) await this.flushing;
  }

  /**
   * Writes the outbox to D1 in order and removes what was written (unless a
   * newer version of the same row arrived meanwhile). On failure the rows
   * stay and the alarm tries again: a failed D1 write never loses a transition.
   */
  private async flushLoop(): Promise<void> {
    const db = catalog(this.env.CATALOG);
    do {
      this.flushAgain = false;
      const rows = this.rows<{ k: string; seq: number; v: string }>(
        "SELECT k, seq, v FROM outbox ORDER BY seq LIMIT ?",
        FLUSH_BATCH,
      );
      if (rows.length === 0) return;
      try {
        await writeHistory(
          db,
          rows.map((r) => JSON.parse(r.v) as HistoryRecord),
          Date.now(),
        );
      } catch (err) {
        console.error("catalog write failed; kept in the outbox", err);
        await this.armAlarm(Date.now() + FLUSH_RETRY_MS);
        return;
      }
      for (const r of rows) this.sql("DELETE FROM outbox WHERE k = ? AND seq = ?", r.k, r.seq);
      if (rows.length === FLUSH_BATCH) this.flushAgain = true;
    } while (this.flushAgain);
  }

  private migrate(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS attempts (key TEXT NOT NULL, attempt INTEGER NOT NULL, v TEXT NOT NULL, PRIMARY KEY (key, attempt));
      CREATE TABLE IF NOT EXISTS outbox (k TEXT PRIMARY KEY, seq INTEGER NOT NULL, v TEXT NOT NULL);
    `);
  }

  /** Loads the run from storage after a restart or eviction (JSON read back is trusted: only this class writes it). */
  private load(): void {
    const meta = new Map(this.rows<{ k: string; v: string }>("SELECT k, v FROM meta").map((r) => [r.k, r.v]));
    const runJson = meta.get("run");
    const specJson = meta.get("spec");
    if (runJson === undefined || specJson === undefined) return;
    const plan = compileDag(DagSpecSchema.parse(JSON.parse(specJson)));
    const tasks = new Map<string, TaskInstance>();
    for (const r of this.rows<{ key: string; v: string }>("SELECT key, v FROM tasks")) {
      tasks.set(r.key, JSON.parse(r.v) as TaskInstance);
    }
    this.loaded = { state: { run: JSON.parse(runJson) as RunHeader, tasks }, plan };
    this.seq = this.rows<{ s: number | null }>("SELECT max(seq) AS s FROM outbox")[0]?.s ?? 0;
  }

  private sql(query: string, ...bindings: SqlStorageValue[]): void {
    this.ctx.storage.sql.exec(query, ...bindings);
  }

  private rows<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.ctx.storage.sql.exec<T>(query, ...bindings).toArray();
  }
}
