import { z } from "zod";
import { AlertRequestSchema } from "../machine/commands";
import { tableExists } from "./table-exists";

/** A failure alert as the run keeps it: what was sent, and how its delivery went. */
export const AlertRecordSchema = AlertRequestSchema.extend({
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
});
export type AlertRecord = z.infer<typeof AlertRecordSchema>;

/**
 * The run's failure alerts and their delivery state (table `alerts`), shown in the run's view. The
 * table is created with the run's first alert: most runs never alert, and every table a new run's
 * object creates is a cost of starting a run.
 */
export class AlertStore {
  /** Whether the table exists (undefined: not looked yet). */
  private ready: boolean | undefined;

  constructor(private readonly sql: SqlStorage) {}

  static readonly DDL = "CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, v TEXT NOT NULL)";

  get(alertId: string): AlertRecord | undefined {
    if (!this.exists()) return undefined;
    const row = this.sql.exec<{ v: string }>("SELECT v FROM alerts WHERE id = ?", alertId).toArray()[0];
    return row ? parseRecord(row.v) : undefined;
  }

  /** Records an alert when it is issued (kept if it exists: the id names one failure). */
  add(record: AlertRecord): void {
    this.create();
    this.sql.exec("INSERT OR IGNORE INTO alerts (id, v) VALUES (?, ?)", record.alertId, JSON.stringify(record));
  }

  put(record: AlertRecord): void {
    this.create();
    this.sql.exec("INSERT OR REPLACE INTO alerts (id, v) VALUES (?, ?)", record.alertId, JSON.stringify(record));
  }

  all(): AlertRecord[] {
    if (!this.exists()) return [];
    return this.sql
      .exec<{ v: string }>("SELECT v FROM alerts ORDER BY rowid")
      .toArray()
      .map((r) => parseRecord(r.v));
  }

  private exists(): boolean {
    this.ready ??= tableExists(this.sql, "alerts");
    return this.ready;
  }

  private create(): void {
    if (this.ready) return;
    this.sql.exec(AlertStore.DDL);
    this.ready = true;
  }
}

function parseRecord(json: string): AlertRecord {
  // Rows of storage version 3 carried a `sent` flag (delivery moved to the outbox): stripped, not an error.
  const { sent: _sent, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return AlertRecordSchema.parse(rest);
}
