import { z } from "zod";
import type { RunHeader, TaskInstance } from "../types";
import { AlertStore } from "./alert-store";
import { Outbox } from "./outbox";
import { RunHeaderSchema } from "../state-schemas";
import { StoredTaskSchema, type StoredTask } from "./stored-rows";
import { tableExists } from "./table-exists";

/**
 * Version of the coordinator's storage layout, recorded in `meta` as `schema`.
 * 4: the outbox table; task rows may carry a claim token; alerts lost their `sent` flag; grants of
 *    queued attempts may sit in `grants` rows until folded into their task rows.
 * 3: meta, tasks (ended attempts in `history`), alerts; parent notification as a meta flag.
 */
export const STORAGE_VERSION = 4;

/** A grant of a queued attempt as the `grants` rows keep it. */
const GrantSchema = z.object({
  key: z.string(),
  attempt: z.number().int(),
  claim: z.string(),
  deadline: z.number(),
  attemptStartedAt: z.number(),
  startedAt: z.number(),
});
type Grant = z.infer<typeof GrantSchema>;
const GrantsSchema = z.array(GrantSchema);

/** A run as read back from storage (parsed: nothing half-read). */
export interface StoredRun {
  run: RunHeader;
  specJson: string;
  /** Task rows by key (tasks never written are still pending and have no row). */
  tasks: Map<string, StoredTask>;
}

/**
 * The coordinator's SQLite tables and their versions: `meta` (run header,
 * spec, schema version), `tasks` (one row per task instance), `outbox`, and
 * `alerts` (created with the run's first alert, alert-store.ts). Each row
 * written for the catalog carries a `pending` sequence number (0 = written to
 * D1), set in the same statement.
 */
export class RunStorage {
  /** Whether the `grants` table exists (undefined: not looked yet). */
  private grantsTable: boolean | undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** True when this object ever started a run (an object that never did stores nothing). */
  exists(): boolean {
    return tableExists(this.sql, "meta");
  }

  /** Creates the tables of the current version (a new run). */
  create(specJson: string): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL, pending INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, v TEXT NOT NULL, pending INTEGER NOT NULL DEFAULT 0);
      ${Outbox.DDL};
    `);
    // No index on `pending`: a flush scanning the rows (every CATALOG_FLUSH_MS) costs less than
    // maintaining an index on every task transition.
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('spec', ?), ('schema', ?)", specJson, String(STORAGE_VERSION));
  }

  /**
   * Brings stored rows of an older layout to the current one (in place, once), or refuses a
   * layout this code does not know: a newer one (a rollback) is never half-read.
   */
  migrate(): void {
    const version = Number(this.meta("schema") ?? "0");
    if (version === STORAGE_VERSION) return;
    if (version !== 3) throw new Error(`run storage has layout version ${version}; this code reads ${STORAGE_VERSION} (and migrates 3)`);
    this.sql.exec(Outbox.DDL);
    const outbox = new Outbox(this.sql);
    outbox.load();
    const now = Date.now();
    // v3 delivered alerts through queue messages this version no longer reads: every alert still
    // pending becomes an outbox command (one already posted may be posted again: at least once).
    const alerts = new AlertStore(this.sql);
    for (const row of this.sql.exec<{ id: string }>("SELECT id FROM alerts").toArray()) {
      const record = alerts.get(row.id);
      if (record?.status !== "pending") continue;
      outbox.add([{ type: "DeliverAlert", alert: { alertId: record.alertId, target: record.target, summary: record.summary } }], now);
    }
    // v3 kept the parent's notification as a meta flag.
    if (this.meta("notify_parent") === "pending") {
      const run = this.readRun();
      if (run?.parent && (run.status === "success" || run.status === "failed" || run.status === "cancelled")) {
        outbox.add(
          [{ type: "NotifyParent", parentRunId: run.parent.runId, taskKey: run.parent.taskKey, attempt: run.parent.attempt, childRunId: run.runId, status: run.status }],
          now,
        );
      }
    }
    this.sql.exec("DELETE FROM meta WHERE k = 'notify_parent'");
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', ?)", String(STORAGE_VERSION));
  }

  /** Reads the run back (after a restart or eviction), or undefined when none was started. */
  load(): StoredRun | undefined {
    const run = this.readRun();
    const specJson = this.meta("spec");
    if (!run || specJson === undefined) return undefined;
    const tasks = new Map<string, StoredTask>();
    for (const r of this.sql.exec<{ key: string; v: string }>("SELECT key, v FROM tasks").toArray()) {
      const parsed = StoredTaskSchema.safeParse(JSON.parse(r.v));
      if (!parsed.success) throw new Error(`task row '${r.key}' does not parse: ${parsed.error.message}`);
      tasks.set(r.key, parsed.data);
    }
    this.foldGrants(tasks);
    return { run, specJson, tasks };
  }

  /**
   * Stores grants of queued attempts (a claim of up to a batch of them) as one row instead of a
   * row per task: the grant must survive a restart (a second claim is refused while its lease is
   * fresh), and a claim is the one transition the queue path adds per task.
   */
  writeGrants(tasks: readonly TaskInstance[]): void {
    if (tasks.length === 0) return;
    if (!this.grantsTable) {
      this.sql.exec("CREATE TABLE IF NOT EXISTS grants (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)");
      this.grantsTable = true;
    }
    const grants: Grant[] = tasks.map((t) => ({
      key: t.key,
      attempt: t.attempt,
      claim: t.claim ?? "",
      deadline: t.deadline ?? 0,
      attemptStartedAt: t.attemptStartedAt ?? 0,
      startedAt: t.startedAt ?? t.attemptStartedAt ?? 0,
    }));
    this.sql.exec("INSERT INTO grants (v) VALUES (?)", JSON.stringify(grants));
  }

  /** Drops the grant rows (the run ended: every grant is settled in its task row). */
  clearGrants(): void {
    // Only this object's own grants can be left (a load folds and drops the earlier ones).
    if (this.grantsTable) this.sql.exec("DELETE FROM grants");
  }

  /**
   * Folds stored grants into the task rows read back: a grant applies while its task row still
   * holds that attempt as queued (a later write of the row supersedes it). The folded rows are
   * written back and the grant rows dropped, so they are read once.
   */
  private foldGrants(tasks: Map<string, StoredTask>): void {
    if (!this.hasGrants()) return;
    for (const r of this.sql.exec<{ v: string }>("SELECT v FROM grants ORDER BY id").toArray()) {
      const parsed = GrantsSchema.safeParse(JSON.parse(r.v));
      if (!parsed.success) throw new Error(`grant row does not parse: ${parsed.error.message}`);
      for (const g of parsed.data) {
        const t = tasks.get(g.key);
        if (!t || t.attempt !== g.attempt || t.status !== "queued") continue;
        t.status = "running";
        t.via = "queue";
        t.claim = g.claim;
        t.deadline = g.deadline;
        t.attemptStartedAt = g.attemptStartedAt;
        t.startedAt ??= g.startedAt;
        this.writeTask(t);
      }
    }
    this.sql.exec("DELETE FROM grants");
  }

  private hasGrants(): boolean {
    this.grantsTable ??= tableExists(this.sql, "grants");
    return this.grantsTable;
  }

  /** Writes the run header, marked for the catalog with `pending`. */
  writeRun(run: RunHeader, pending: number): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v, pending) VALUES ('run', ?, ?)", JSON.stringify(run), pending);
  }

  /** Writes a task row; without `pending` (lease-only changes) its catalog mark is left as it was. */
  writeTask(t: TaskInstance, pending?: number): void {
    if (pending === undefined) {
      this.sql.exec(
        "INSERT INTO tasks (key, v) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET v = excluded.v",
        t.key,
        JSON.stringify(t),
      );
      return;
    }
    this.sql.exec(
      "INSERT INTO tasks (key, v, pending) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET v = excluded.v, pending = excluded.pending",
      t.key,
      JSON.stringify(t),
      pending,
    );
  }

  /** Removes a task row (a mapped task expanded again on rerun). */
  deleteTask(key: string): void {
    this.sql.exec("DELETE FROM tasks WHERE key = ?", key);
  }

  private readRun(): RunHeader | undefined {
    const json = this.meta("run");
    if (json === undefined) return undefined;
    const parsed = RunHeaderSchema.safeParse(JSON.parse(json));
    if (!parsed.success) throw new Error(`stored run header does not parse: ${parsed.error.message}`);
    return parsed.data;
  }

  private meta(key: string): string | undefined {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", key).toArray()[0]?.v;
  }
}
