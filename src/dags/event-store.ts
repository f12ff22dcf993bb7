import type { DagEvent } from "../events/dag-event";
import type { GateState } from "../events/dataset-gate";
import type { R2ObjectDetail } from "../events/r2-notification";

/** An R2 batch being gathered: objects that arrived within its window, for one trigger. */
export interface R2Batch {
  position: number;
  batchId: string;
  openedAt: number;
  closesAt: number;
  maxObjects: number | null;
  objects: R2ObjectDetail[];
}

/**
 * A DagCoordinator's event tables: events kept while paused (in arrival order), R2 batches being
 * gathered, the identities of events already taken (an object version, a dataset update: at
 * least once delivery counts once), and each datasets trigger's gate.
 */
export class EventStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS paused_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS r2_batches (position INTEGER PRIMARY KEY, json TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS seen_events (key TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS dataset_gates (position INTEGER PRIMARY KEY, json TEXT NOT NULL)`);
  }

  keepPaused(ev: DagEvent): void {
    this.sql.exec(`INSERT INTO paused_events (json) VALUES (?)`, JSON.stringify(ev));
  }

  /** Events kept while paused, oldest first, with the sequence number to delete each once handled. */
  paused(): Array<{ seq: number; event: DagEvent }> {
    return this.sql
      .exec<{ seq: number; json: string }>(`SELECT seq, json FROM paused_events ORDER BY seq`)
      .toArray()
      .map((r) => ({ seq: r.seq, event: JSON.parse(r.json) as DagEvent }));
  }

  pausedCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM paused_events`).one().n;
  }

  forgetPaused(seq: number): void {
    this.sql.exec(`DELETE FROM paused_events WHERE seq = ?`, seq);
  }

  /** Records an event identity; false when it was seen before. */
  firstSight(key: string, at: number): boolean {
    const before = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM seen_events WHERE key = ?`, key).one().n;
    if (before > 0) return false;
    this.sql.exec(`INSERT INTO seen_events (key, at) VALUES (?, ?)`, key, at);
    return true;
  }

  batch(position: number): R2Batch | undefined {
    const row = this.sql.exec<{ json: string }>(`SELECT json FROM r2_batches WHERE position = ?`, position).toArray()[0];
    return row ? (JSON.parse(row.json) as R2Batch) : undefined;
  }

  batches(): R2Batch[] {
    return this.sql.exec<{ json: string }>(`SELECT json FROM r2_batches`).toArray().map((r) => JSON.parse(r.json) as R2Batch);
  }

  writeBatch(b: R2Batch): void {
    this.sql.exec(`INSERT OR REPLACE INTO r2_batches (position, json) VALUES (?, ?)`, b.position, JSON.stringify(b));
  }

  closeBatch(position: number): void {
    this.sql.exec(`DELETE FROM r2_batches WHERE position = ?`, position);
  }

  gate(position: number): GateState {
    const row = this.sql.exec<{ json: string }>(`SELECT json FROM dataset_gates WHERE position = ?`, position).toArray()[0];
    return row ? (JSON.parse(row.json) as GateState) : {};
  }

  writeGate(position: number, state: GateState): void {
    this.sql.exec(`INSERT OR REPLACE INTO dataset_gates (position, json) VALUES (?, ?)`, position, JSON.stringify(state));
  }
}
