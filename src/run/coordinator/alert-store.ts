import { z } from "zod";
import { AlertRequestSchema } from "../machine/commands";

/** A failure alert as the run keeps it: what was sent, and how its delivery went. */
export const AlertRecordSchema = AlertRequestSchema.extend({
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
});
export type AlertRecord = z.infer<typeof AlertRecordSchema>;

/** The run's failure alerts and their delivery state (table `alerts`), shown in the run's view. */
export class AlertStore {
  constructor(private readonly sql: SqlStorage) {}

  static readonly DDL = "CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, v TEXT NOT NULL)";

  get(alertId: string): AlertRecord | undefined {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM alerts WHERE id = ?", alertId).toArray()[0];
    return row ? parseRecord(row.v) : undefined;
  }

  /** Records an alert when it is issued (kept if it exists: the id names one failure). */
  add(record: AlertRecord): void {
    this.sql.exec("INSERT OR IGNORE INTO alerts (id, v) VALUES (?, ?)", record.alertId, JSON.stringify(record));
  }

  put(record: AlertRecord): void {
    this.sql.exec("INSERT OR REPLACE INTO alerts (id, v) VALUES (?, ?)", record.alertId, JSON.stringify(record));
  }

  all(): AlertRecord[] {
    return this.sql
      .exec<{ v: string }>("SELECT v FROM alerts ORDER BY rowid")
      .toArray()
      .map((r) => parseRecord(r.v));
  }
}

function parseRecord(json: string): AlertRecord {
  // Rows of storage version 3 carried a `sent` flag (delivery moved to the outbox): stripped, not an error.
  const { sent: _sent, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return AlertRecordSchema.parse(rest);
}
