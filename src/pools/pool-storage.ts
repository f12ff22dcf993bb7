import { z } from "zod";
import { tableExists } from "../run/coordinator/table-exists";
import type { Lease, PoolChange, PoolBook } from "./pool-book";

/** A lease as its row stores it (parsed when read back: a row of an unknown shape is refused loudly). */
const LeaseSchema = z.object({
  leaseId: z.string(),
  runId: z.string(),
  taskKey: z.string(),
  attempt: z.number().int(),
  slots: z.number().int(),
  priority: z.number().int(),
  requestedAt: z.number(),
  status: z.enum(["waiting", "held", "refused"]),
  seq: z.number().int(),
  since: z.number().optional(),
  notified: z.boolean().optional(),
  checkedAt: z.number().optional(),
  error: z.string().optional(),
});

/** What a pool stores: its name and size (`meta`), and one row per lease (`leases`). */
export interface StoredPool {
  name: string;
  slots: number;
  leases: Lease[];
}

/**
 * The PoolCoordinator's SQLite tables. A pool that was never configured (or was deleted)
 * stores nothing: a run asking a pool that does not exist leaves no trace.
 */
export class PoolStorage {
  constructor(private readonly sql: SqlStorage) {}

  load(): StoredPool | undefined {
    if (!tableExists(this.sql, "meta")) return undefined;
    const meta = new Map(this.sql.exec<{ k: string; v: string }>("SELECT k, v FROM meta").toArray().map((r) => [r.k, r.v]));
    const name = meta.get("name");
    const slots = Number(meta.get("slots"));
    if (name === undefined || !Number.isInteger(slots)) return undefined;
    const leases = this.sql
      .exec<{ id: string; v: string }>("SELECT id, v FROM leases")
      .toArray()
      .map((r) => {
        const parsed = LeaseSchema.safeParse(JSON.parse(r.v));
        if (!parsed.success) throw new Error(`pool lease row '${r.id}' does not parse: ${parsed.error.message}`);
        return parsed.data;
      });
    return { name, slots, leases };
  }

  /** Creates the tables (first configure) and records the pool's name and size. */
  writeConfig(name: string, slots: number): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, v TEXT NOT NULL);
    `);
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('name', ?), ('slots', ?)", name, String(slots));
  }

  /** Writes the leases a change touched (deleting those that left the book). */
  writeChange(book: PoolBook, change: PoolChange): void {
    for (const id of change.changed) {
      const l = book.get(id);
      if (l) this.sql.exec("INSERT OR REPLACE INTO leases (id, v) VALUES (?, ?)", id, JSON.stringify(l));
      else this.sql.exec("DELETE FROM leases WHERE id = ?", id);
    }
  }
}
