import { and, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { BatchItem } from "drizzle-orm/batch";
import { dagVersions, dags, runs, taskAttempts, taskInstances } from "./schema";
import type { AttemptRecord, RunHeader, RunStatus, TaskInstance } from "../run/types";

/** The only module that builds catalog queries (drizzle-orm over D1). */

export type Catalog = DrizzleD1Database;

export function catalog(d1: D1Database): Catalog {
  return drizzle(d1);
}

export interface DagVersionRow {
  dagId: string;
  version: number;
  specJson: string;
  specHash: string;
  createdAt: number;
}

export async function latestDagVersion(db: Catalog, dagId: string): Promise<DagVersionRow | undefined> {
  const rows = await db
    .select()
    .from(dagVersions)
    .where(eq(dagVersions.dagId, dagId))
    .orderBy(desc(dagVersions.version))
    .limit(1);
  return rows[0];
}

export async function dagVersion(db: Catalog, dagId: string, version: number): Promise<DagVersionRow | undefined> {
  const rows = await db
    .select()
    .from(dagVersions)
    .where(and(eq(dagVersions.dagId, dagId), eq(dagVersions.version, version)))
    .limit(1);
  return rows[0];
}

/**
 * Stores a spec as the DAG's next version unless it equals the latest one.
 * Two concurrent registrations of different specs race on the (dag_id,
 * version) key: the loser's insert is ignored and it reports a conflict.
 */
export async function registerDagVersion(
  db: Catalog,
  input: { dagId: string; specJson: string; specHash: string; description: string | undefined; now: number },
): Promise<{ version: number; created: boolean } | { conflict: true }> {
  const latest = await latestDagVersion(db, input.dagId);
  if (latest && latest.specHash === input.specHash) return { version: latest.version, created: false };
  const version = (latest?.version ?? 0) + 1;
  const [inserted] = await db.batch([
    db
      .insert(dagVersions)
      .values({ dagId: input.dagId, version, specHash: input.specHash, specJson: input.specJson, createdAt: input.now })
      .onConflictDoNothing()
      .returning({ version: dagVersions.version }),
    db
      .insert(dags)
      .values({
        dagId: input.dagId,
        latestVersion: version,
        description: input.description ?? null,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .onConflictDoUpdate({
        target: dags.dagId,
        set: { latestVersion: sql`max(${dags.latestVersion}, ${version})`, description: input.description ?? null, updatedAt: input.now },
      }),
  ]);
  if (inserted.length === 0) return { conflict: true };
  return { version, created: true };
}

export async function listDags(db: Catalog) {
  return db.select().from(dags).orderBy(dags.dagId).limit(1_000);
}

export interface RunPageCursor {
  createdAt: number;
  runId: string;
}

export async function listRuns(
  db: Catalog,
  dagId: string,
  opts: { status?: RunStatus; limit: number; cursor?: RunPageCursor },
) {
  const conds: SQL[] = [eq(runs.dagId, dagId)];
  if (opts.status) conds.push(eq(runs.status, opts.status));
  if (opts.cursor) {
    const c = opts.cursor;
    const older = or(lt(runs.createdAt, c.createdAt), and(eq(runs.createdAt, c.createdAt), lt(runs.runId, c.runId)));
    if (older) conds.push(older);
  }
  return db
    .select()
    .from(runs)
    .where(and(...conds))
    .orderBy(desc(runs.createdAt), desc(runs.runId))
    .limit(opts.limit + 1);
}

/** One pending catalog write, as the coordinator's outbox holds it. */
export type HistoryRecord =
  | { kind: "run"; run: RunHeader }
  | { kind: "task"; dagId: string; runId: string; task: TaskInstance }
  | { kind: "attempt"; dagId: string; runId: string; attempt: AttemptRecord };

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/**
 * Upserts for a set of history records. Idempotent: replaying the same
 * records (a retried flush) leaves the same rows, keyed by run, task instance
 * and attempt number.
 */
export function historyStatements(db: Catalog, records: HistoryRecord[], now: number): BatchItem<"sqlite">[] {
  return records.map((r) => {
    switch (r.kind) {
      case "run": {
        const row = {
          runId: r.run.runId,
          dagId: r.run.dagId,
          dagVersion: r.run.dagVersion,
          status: r.run.status,
          runKey: r.run.runKey ?? null,
          triggerType: r.run.trigger.type,
          triggerJson: json(r.run.trigger),
          logicalDate: r.run.logicalDate ?? null,
          paramsJson: JSON.stringify(r.run.params),
          createdAt: r.run.createdAt,
          startedAt: r.run.startedAt ?? null,
          endedAt: r.run.endedAt ?? null,
          updatedAt: now,
        };
        return db
          .insert(runs)
          .values(row)
          .onConflictDoUpdate({
            target: runs.runId,
            set: { status: row.status, startedAt: row.startedAt, endedAt: row.endedAt, updatedAt: now },
          });
      }
      case "task": {
        const t = r.task;
        const row = {
          runId: r.runId,
          taskKey: t.key,
          taskId: t.taskId,
          mapIndex: t.mapIndex,
          dagId: r.dagId,
          status: t.status,
          attempts: t.attempt,
          startedAt: t.startedAt ?? null,
          endedAt: t.endedAt ?? null,
          errorJson: json(t.error),
          outputJson: json(t.output),
          updatedAt: now,
        };
        return db
          .insert(taskInstances)
          .values(row)
          .onConflictDoUpdate({
            target: [taskInstances.runId, taskInstances.taskKey],
            set: {
              status: row.status,
              attempts: row.attempts,
              startedAt: row.startedAt,
              endedAt: row.endedAt,
              errorJson: row.errorJson,
              outputJson: row.outputJson,
              updatedAt: now,
            },
          });
      }
      case "attempt": {
        const a = r.attempt;
        const row = {
          runId: r.runId,
          taskKey: a.taskKey,
          attempt: a.attempt,
          taskId: a.taskId,
          mapIndex: a.mapIndex,
          dagId: r.dagId,
          status: a.status,
          via: a.via,
          queuedAt: a.queuedAt,
          startedAt: a.startedAt ?? null,
          endedAt: a.endedAt ?? null,
          errorJson: json(a.error),
        };
        return db
          .insert(taskAttempts)
          .values(row)
          .onConflictDoUpdate({
            target: [taskAttempts.runId, taskAttempts.taskKey, taskAttempts.attempt],
            set: { status: row.status, via: row.via, startedAt: row.startedAt, endedAt: row.endedAt, errorJson: row.errorJson },
          });
      }
    }
  });
}

export async function writeHistory(db: Catalog, records: HistoryRecord[], now: number): Promise<void> {
  const stmts = historyStatements(db, records, now);
  const [first, ...rest] = stmts;
  if (!first) return;
  await db.batch([first, ...rest]);
}
