import type { ActiveRun, Backfill, BackfillDateStatus, DagState } from "./types";

/** One date of a backfill, as stored. */
export interface BackfillDate {
  position: number;
  logicalDate: string;
  dataIntervalEnd: string;
  ds: string;
  status: BackfillDateStatus;
  runId: string | null;
}

/**
 * A DagCoordinator's SQLite tables: its state (one JSON row), the runs it counts, its backfills
 * and their dates. Every write is synchronous, so a decision and its rows commit together.
 */
export class DagStorage {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS dag_state (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS active_runs (run_id TEXT PRIMARY KEY, json TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS backfills (backfill_id TEXT PRIMARY KEY, json TEXT NOT NULL)`);
    sql.exec(
      `CREATE TABLE IF NOT EXISTS backfill_dates (backfill_id TEXT NOT NULL, position INTEGER NOT NULL, logical_date TEXT NOT NULL,
        interval_end TEXT NOT NULL, ds TEXT NOT NULL, status TEXT NOT NULL, run_id TEXT, PRIMARY KEY (backfill_id, position))`,
    );
    sql.exec(`CREATE INDEX IF NOT EXISTS backfill_dates_status ON backfill_dates (backfill_id, status, position)`);
  }

  loadState(): DagState | undefined {
    const row = this.sql.exec<{ v: string }>(`SELECT v FROM dag_state WHERE k = 'state'`).toArray()[0];
    return row ? (JSON.parse(row.v) as DagState) : undefined;
  }

  writeState(state: DagState): void {
    this.sql.exec(`INSERT OR REPLACE INTO dag_state (k, v) VALUES ('state', ?)`, JSON.stringify(state));
  }

  loadActive(): ActiveRun[] {
    return this.sql.exec<{ json: string }>(`SELECT json FROM active_runs`).toArray().map((r) => JSON.parse(r.json) as ActiveRun);
  }

  writeActive(run: ActiveRun): void {
    this.sql.exec(`INSERT OR REPLACE INTO active_runs (run_id, json) VALUES (?, ?)`, run.runId, JSON.stringify(run));
  }

  deleteActive(runId: string): void {
    this.sql.exec(`DELETE FROM active_runs WHERE run_id = ?`, runId);
  }

  loadBackfills(): Backfill[] {
    return this.sql.exec<{ json: string }>(`SELECT json FROM backfills`).toArray().map((r) => JSON.parse(r.json) as Backfill);
  }

  writeBackfill(b: Backfill): void {
    this.sql.exec(`INSERT OR REPLACE INTO backfills (backfill_id, json) VALUES (?, ?)`, b.backfillId, JSON.stringify(b));
  }

  addDates(backfillId: string, dates: BackfillDate[]): void {
    for (const d of dates) {
      this.sql.exec(
        `INSERT INTO backfill_dates (backfill_id, position, logical_date, interval_end, ds, status, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        backfillId,
        d.position,
        d.logicalDate,
        d.dataIntervalEnd,
        d.ds,
        d.status,
        d.runId,
      );
    }
  }

  /** The next `limit` dates still to start, in the backfill's order. */
  pendingDates(backfillId: string, limit: number): BackfillDate[] {
    return this.sql
      .exec<DateRow>(`SELECT * FROM backfill_dates WHERE backfill_id = ? AND status = 'pending' ORDER BY position LIMIT ?`, backfillId, limit)
      .toArray()
      .map(toDate);
  }

  dates(backfillId: string): BackfillDate[] {
    return this.sql.exec<DateRow>(`SELECT * FROM backfill_dates WHERE backfill_id = ? ORDER BY position`, backfillId).toArray().map(toDate);
  }

  setDate(backfillId: string, position: number, status: BackfillDateStatus, runId: string | null): void {
    this.sql.exec(`UPDATE backfill_dates SET status = ?, run_id = ? WHERE backfill_id = ? AND position = ?`, status, runId, backfillId, position);
  }

  /** Marks the dates of a run (by run id) with the run's final status. */
  endDateOfRun(backfillId: string, runId: string, status: BackfillDateStatus): void {
    this.sql.exec(`UPDATE backfill_dates SET status = ? WHERE backfill_id = ? AND run_id = ? AND status = 'running'`, status, backfillId, runId);
  }

  cancelPending(backfillId: string): void {
    this.sql.exec(`UPDATE backfill_dates SET status = 'cancelled' WHERE backfill_id = ? AND status = 'pending'`, backfillId);
  }

  counts(backfillId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.sql.exec<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM backfill_dates WHERE backfill_id = ? GROUP BY status`, backfillId)) {
      out[r.status] = r.n;
    }
    return out;
  }
}

interface DateRow extends Record<string, SqlStorageValue> {
  position: number;
  logical_date: string;
  interval_end: string;
  ds: string;
  status: string;
  run_id: string | null;
}

function toDate(r: DateRow): BackfillDate {
  return {
    position: r.position,
    logicalDate: r.logical_date,
    dataIntervalEnd: r.interval_end,
    ds: r.ds,
    status: r.status as BackfillDateStatus,
    runId: r.run_id,
  };
}
