import { CommandSchema, type Command } from "../machine";

/** First retry of a failed delivery after this long (then doubling, up to `MAX_BACKOFF_MS`). */
export const DEFAULT_OUTBOX_RETRY_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/** One command waiting to be delivered. */
export interface OutboxEntry {
  id: number;
  command: Command;
  /** Failed deliveries so far. */
  tries: number;
  /** Not before this time (epoch ms). */
  dueAt: number;
  lastError?: string;
}

/**
 * Delivers one command; throws to have it retried later. A command with a bounded number of
 * tries (an alert) records its final failure and returns: the entry is then done.
 */
export type Deliver = (entry: OutboxEntry) => Promise<void>;

/**
 * The run's one durable outbox: every command that leaves the run (queue
 * dispatch, alerts, the parent's notification, child cancellation,
 * `RunEnded`) is a row of the coordinator's SQLite, written in the same
 * synchronous block as the state change that issued it, so a command is
 * never lost and never issued without its state. One drainer delivers the
 * rows: at once, then from the alarm with backoff until delivered (at least
 * once: consumers are idempotent). The rows are mirrored in memory, so the
 * hot path reads no storage to find them.
 */
export class Outbox {
  private readonly entries = new Map<number, OutboxEntry>();
  private readonly inFlight = new Set<number>();
  private nextId = 1;

  constructor(
    private readonly sql: SqlStorage,
    private readonly retryMs: number = DEFAULT_OUTBOX_RETRY_MS,
  ) {}

  static readonly DDL = `CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, command TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL, last_error TEXT)`;

  /** Reads the rows back after a reload; a row that does not parse is refused loudly (never half-read). */
  load(): void {
    this.entries.clear();
    const rows = this.sql
      .exec<{ id: number; command: string; tries: number; due_at: number; last_error: string | null }>(
        "SELECT id, command, tries, due_at, last_error FROM outbox ORDER BY id",
      )
      .toArray();
    for (const r of rows) {
      const parsed = CommandSchema.safeParse(JSON.parse(r.command));
      if (!parsed.success) throw new Error(`outbox row ${r.id} is not a command this version understands: ${parsed.error.message}`);
      const entry: OutboxEntry = { id: r.id, command: parsed.data, tries: r.tries, dueAt: r.due_at };
      if (r.last_error !== null) entry.lastError = r.last_error;
      this.entries.set(r.id, entry);
      this.nextId = Math.max(this.nextId, r.id + 1);
    }
  }

  /** Writes commands (synchronously, beside the state change that issued them); returns their entries. */
  add(commands: readonly Command[], now: number): OutboxEntry[] {
    const added: OutboxEntry[] = [];
    for (const command of commands) {
      const entry: OutboxEntry = { id: this.nextId++, command, tries: 0, dueAt: now };
      this.sql.exec("INSERT INTO outbox (id, command, due_at) VALUES (?, ?, ?)", entry.id, JSON.stringify(command), now);
      this.entries.set(entry.id, entry);
      added.push(entry);
    }
    return added;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries not yet delivered, oldest first (for views and tests). */
  pending(): OutboxEntry[] {
    return [...this.entries.values()];
  }

  /** When the next retry is due (undefined: nothing waits). */
  nextDueAt(): number | undefined {
    let at: number | undefined;
    for (const e of this.entries.values()) if (!this.inFlight.has(e.id) && (at === undefined || e.dueAt < at)) at = e.dueAt;
    return at;
  }

  /**
   * Delivers the given entries (default: every entry due at `now`), each at most once at a time.
   * A delivery that throws stays, with its next try backed off; returns the earliest retry time.
   */
  async drain(deliver: Deliver, now: () => number, only?: readonly OutboxEntry[]): Promise<number | undefined> {
    const due = (only ?? [...this.entries.values()]).filter(
      (e) => this.entries.has(e.id) && !this.inFlight.has(e.id) && (only !== undefined || e.dueAt <= now()),
    );
    await Promise.all(due.map((e) => this.deliverOne(e, deliver, now)));
    return this.nextDueAt();
  }

  /** Delivers one entry now (the caller needs its answer, e.g. a parent's hand-off); false if it failed. */
  async deliverNow(entry: OutboxEntry, deliver: Deliver, now: () => number): Promise<boolean> {
    if (!this.entries.has(entry.id) || this.inFlight.has(entry.id)) return false;
    return this.deliverOne(entry, deliver, now);
  }

  private async deliverOne(e: OutboxEntry, deliver: Deliver, now: () => number): Promise<boolean> {
    this.inFlight.add(e.id);
    try {
      await deliver(e);
      this.entries.delete(e.id);
      this.sql.exec("DELETE FROM outbox WHERE id = ?", e.id);
      return true;
    } catch (err) {
      e.tries += 1;
      e.lastError = (err instanceof Error ? err.message : String(err)).slice(0, 2_000);
      e.dueAt = now() + Math.min(MAX_BACKOFF_MS, this.retryMs * 2 ** (e.tries - 1));
      this.sql.exec("UPDATE outbox SET tries = ?, due_at = ?, last_error = ? WHERE id = ?", e.tries, e.dueAt, e.lastError, e.id);
      console.error(`outbox: ${e.command.type} (#${e.id}) failed (try ${e.tries}); retrying at ${new Date(e.dueAt).toISOString()}`, err);
      return false;
    } finally {
      this.inFlight.delete(e.id);
    }
  }
}
