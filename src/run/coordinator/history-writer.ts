import { writeHistory, type HistoryRecord } from "../../db/catalog";
import { numberVar } from "../../lib/vars";
import type { RunState } from "../types";
import type { StoredTask } from "./stored-rows";

/** Catalog writes wait this long by default, so a burst of transitions shares one D1 batch. */
export const DEFAULT_FLUSH_DELAY_MS = 200;
/** Rows read per D1 batch (each task row brings its ended attempts along). */
const FLUSH_BATCH = 100;
/**
 * D1 statements one flush writes before leaving the rest to the alarm (a new invocation): D1 limits
 * the queries of one Worker invocation, and a 10,000-task run ends with that many rows pending.
 */
const FLUSH_STATEMENTS_PER_INVOCATION = 500;
/** How long to wait before retrying a failed catalog write. */
const RETRY_LATER_MS = 5_000;

/** What the writer needs from its Durable Object. */
export interface HistoryWriterHost {
  sql: SqlStorage;
  catalog: D1Database;
  waitUntil: (promise: Promise<unknown>) => void;
  /** The run in memory: the pending rows mirror it, so values are taken from here. */
  run: () => RunState | undefined;
  /** Arms the object's alarm no later than `at` (retries and continuation of a long flush). */
  armAlarm: (at: number) => Promise<void>;
  /** `CATALOG_FLUSH_MS`, as configured. */
  delayMs: string | undefined;
}

/**
 * Writes a run's history to the D1 catalog. The coordinator marks every row it writes with a
 * `pending` sequence number (in the same statement); this writer finds the pending rows, upserts
 * them in one D1 batch, and clears the marks up to the last number written, so a row that changed
 * again meanwhile stays pending. A failed write leaves the marks and arms the alarm: no transition
 * is lost. Writes wait `CATALOG_FLUSH_MS` so that a burst of transitions shares one batch.
 */
export class HistoryWriter {
  private seq = 0;
  /** Rows marked pending, by key ('#run' for the run row), in the order they were marked (= sequence order). */
  private readonly pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  /** Statements of other writers waiting to share the next D1 batch (`flushWith`). */
  private extras: Array<{ statements: D1PreparedStatement[]; settle: (err?: unknown) => void }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Settles the promise handed to `waitUntil` for the planned flush (also when `flushNow` replaces it). */
  private settlePlanned: (() => void) | undefined;
  private again = false;

  constructor(private readonly host: HistoryWriterHost) {}

  /** After a reload: the pending marks come back from storage; numbering goes on after the highest. */
  resume(): void {
    this.pending.clear();
    const rows = this.rows<{ key: string; pending: number }>(
      `SELECT '#run' AS key, pending FROM meta WHERE k = 'run' AND pending > 0
       UNION ALL SELECT key, pending FROM tasks WHERE pending > 0
       ORDER BY pending`,
    );
    for (const r of rows) this.pending.set(r.key, r.pending);
    this.seq = rows.at(-1)?.pending ?? 0;
  }

  /**
   * Marks a row changed (key: a task key, or '#run'): returns the sequence number the caller writes
   * into the row's `pending` column in the same statement. Rows go to D1 in the order they changed.
   */
  mark(key: string): number {
    this.seq += 1;
    this.pending.delete(key);
    this.pending.set(key, this.seq);
    return this.seq;
  }

  /** Starts a flush after the delay, coalescing with one already planned or running. */
  schedule(): void {
    if (this.flushing || this.timer !== undefined) {
      this.again = true;
      return;
    }
    const flushed = new Promise<void>((resolve) => {
      this.settlePlanned = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.settlePlanned = undefined;
        void this.start().then(resolve, (err: unknown) => {
          console.error("catalog flush failed", err);
          resolve();
        });
      }, this.delay());
    });
    this.host.waitUntil(flushed);
  }

  /**
   * Flushes everything pending now (a run that ended, the alarm's catch-up). A planned flush is
   * cancelled, and the promise it left with `waitUntil` settles with this one: a promise that never
   * settles would keep the object from being evicted.
   */
  async flushNow(): Promise<void> {
    const planned = this.settlePlanned;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.settlePlanned = undefined;
    }
    try {
      if (this.flushing) await this.flushing;
      await this.start();
    } finally {
      planned?.();
    }
  }

  /**
   * Writes `statements` in the same D1 batch as the next flush (now), so a run's end costs one D1
   * call for its history and its `run_events` row together; resolves once that batch committed,
   * rejects if it failed (the caller retries: the outbox does).
   */
  flushWith(statements: D1PreparedStatement[]): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.extras.push({ statements, settle: (err) => (err === undefined ? resolve() : reject(err)) });
    });
    this.flushNow().catch((err: unknown) => console.error("catalog flush failed", err));
    return done;
  }

  /** Rows changed but not yet in the catalog. */
  pendingCount(): number {
    return this.pending.size;
  }

  private delay(): number {
    return numberVar(this.host.delayMs, DEFAULT_FLUSH_DELAY_MS);
  }

  private start(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.loop().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  private async loop(): Promise<void> {
    let written = 0;
    do {
      this.again = false;
      const state = this.host.run();
      if (!state) return;
      if (written >= FLUSH_STATEMENTS_PER_INVOCATION) {
        this.settleExtras(this.extras.splice(0), new Error("catalog flush continues in the next invocation"));
        await this.host.armAlarm(Date.now() + 10);
        return;
      }
      // Which rows are pending, and their values, come from memory (the rows in storage mirror both).
      // '#run' cannot be a task key (task ids never start with '#').
      const rows: Array<{ key: string; pending: number }> = [];
      for (const [key, pending] of this.pending) {
        if (rows.length === FLUSH_BATCH) break;
        rows.push({ key, pending });
      }
      const extras = this.extras.splice(0);
      if (rows.length === 0 && extras.length === 0) return;
      const records = this.records(state, rows);
      try {
        await writeHistory(this.host.catalog, records, Date.now(), extras.flatMap((e) => e.statements));
      } catch (err) {
        console.error("catalog write failed; rows stay pending", err);
        this.settleExtras(extras, err);
        await this.host.armAlarm(Date.now() + RETRY_LATER_MS);
        return;
      }
      this.settleExtras(extras);
      written += records.length;
      // Sequence numbers are unique and were taken in order: everything up to the last one written is done.
      const upTo = rows[rows.length - 1]?.pending ?? 0;
      // A row marked again meanwhile has a newer number and stays pending.
      for (const r of rows) if (this.pending.get(r.key) === r.pending) this.pending.delete(r.key);
      if (rows.some((r) => r.key === "#run")) this.host.sql.exec("UPDATE meta SET pending = 0 WHERE pending > 0 AND pending <= ?", upTo);
      this.host.sql.exec("UPDATE tasks SET pending = 0 WHERE pending > 0 AND pending <= ?", upTo);
      if (rows.length === FLUSH_BATCH) this.again = true;
    } while (this.again);
  }

  private settleExtras(extras: Array<{ settle: (err?: unknown) => void }>, err?: unknown): void {
    for (const e of extras) e.settle(err ?? undefined);
  }

  private records(state: RunState, rows: Array<{ key: string }>): HistoryRecord[] {
    const { runId, dagId } = state.run;
    const records: HistoryRecord[] = [];
    for (const r of rows) {
      if (r.key === "#run") {
        records.push({ kind: "run", run: state.run });
        continue;
      }
      const stored = state.tasks.get(r.key) as StoredTask | undefined;
      if (!stored) continue;
      const { history, ...task } = stored;
      records.push({ kind: "task", dagId, runId, task });
      for (const attempt of history ?? []) records.push({ kind: "attempt", dagId, runId, attempt });
    }
    return records;
  }

  private rows<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.host.sql.exec<T>(query, ...bindings).toArray();
  }
}
