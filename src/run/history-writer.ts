import { writeHistory, type HistoryRecord } from "../db/catalog";
import type { AttemptRecord, RunState, TaskInstance } from "./types";

/** A task instance as the coordinator stores it: the machine's fields plus the attempts that ended. */
export type StoredTask = TaskInstance & { history?: AttemptRecord[] };

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
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private again = false;

  constructor(private readonly host: HistoryWriterHost) {}

  /** After a reload: continue numbering after the highest pending mark. */
  resume(): void {
    this.seq =
      this.rows<{ s: number | null }>(
        "SELECT max((SELECT max(pending) FROM meta), (SELECT max(pending) FROM tasks)) AS s",
      )[0]?.s ?? 0;
  }

  /** The next sequence number: rows are written to D1 in the order they changed. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Starts a flush after the delay, coalescing with one already planned or running. */
  schedule(): void {
    if (this.flushing || this.timer !== undefined) {
      this.again = true;
      return;
    }
    const flushed = new Promise<void>((resolve) => {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.start().then(resolve, (err: unknown) => {
          console.error("catalog flush failed", err);
          resolve();
        });
      }, this.delay());
    });
    this.host.waitUntil(flushed);
  }

  /** Flushes everything pending now (a run that ended, the alarm's catch-up). */
  async flushNow(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.flushing) await this.flushing;
    await this.start();
  }

  /** Rows changed but not yet in the catalog. */
  pendingCount(): number {
    return (
      this.rows<{ n: number }>(
        "SELECT (SELECT count(*) FROM meta WHERE pending > 0) + (SELECT count(*) FROM tasks WHERE pending > 0) AS n",
      )[0]?.n ?? 0
    );
  }

  private delay(): number {
    const raw = this.host.delayMs;
    const delay = Number(raw);
    return raw !== undefined && raw !== "" && Number.isFinite(delay) && delay >= 0 ? delay : DEFAULT_FLUSH_DELAY_MS;
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
        await this.host.armAlarm(Date.now() + 10);
        return;
      }
      // Which rows are pending comes from storage; their values from memory (the rows mirror it).
      // '#run' cannot be a task key (task ids never start with '#').
      const rows = this.rows<{ key: string; pending: number }>(
        `SELECT '#run' AS key, pending FROM meta WHERE k = 'run' AND pending > 0
         UNION ALL SELECT key, pending FROM tasks WHERE pending > 0
         ORDER BY pending LIMIT ?`,
        FLUSH_BATCH,
      );
      if (rows.length === 0) return;
      const records = this.records(state, rows);
      try {
        await writeHistory(this.host.catalog, records, Date.now());
      } catch (err) {
        console.error("catalog write failed; rows stay pending", err);
        await this.host.armAlarm(Date.now() + RETRY_LATER_MS);
        return;
      }
      written += records.length;
      // Sequence numbers are unique and were taken in order: everything up to the last one written is done.
      const upTo = rows[rows.length - 1]?.pending ?? 0;
      for (const table of ["meta", "tasks"]) {
        this.host.sql.exec(`UPDATE ${table} SET pending = 0 WHERE pending > 0 AND pending <= ?`, upTo);
      }
      if (rows.length === FLUSH_BATCH) this.again = true;
    } while (this.again);
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
