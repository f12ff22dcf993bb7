/**
 * Reads the OpenLineage feed from the catalog (an adapter): the points after a cursor, the runs,
 * attempts, specs and lineage they name, then the pure `feedEvents`. Shared by
 * `GET /api/openlineage/events` and the forwarder, so both send the same events.
 */
import { storedSpec } from "../dag/compiled";
import type { DagSpec } from "../dag/spec";
import { attemptLineageOf, attemptsOf, feedPoints, runsById, specsOf, taskLineageOf } from "../db/lineage";
import type { OpenLineageConfig } from "./openlineage";
import { attemptKey, encodeFeedCursor, feedEvents, triggerDetail, type FeedAttempt, type FeedDetails, type FeedEvent, type FeedRun } from "./openlineage-feed";

/** The namespace when `OPENLINEAGE_NAMESPACE` is not set. */
export const DEFAULT_OPENLINEAGE_NAMESPACE = "switchyard";

/** The events' `job.namespace` and `producer`, from the Worker's vars. */
export function openLineageConfig(env: Env): OpenLineageConfig {
  const producer = (env.PUBLIC_URL || "https://switchyard.invalid").replace(/\/?$/, "/");
  return { namespace: env.OPENLINEAGE_NAMESPACE || DEFAULT_OPENLINEAGE_NAMESPACE, producer };
}

/**
 * The feed after `after` (null: from its start), at most `limit` points' events; `next` is the
 * cursor after the last point read (null when none was), `more` whether the limit cut the page.
 */
export async function readFeed(
  env: Env,
  after: { at: number; key: string } | null,
  limit: number,
): Promise<{ events: FeedEvent[]; next: string | null; more: boolean }> {
  const points = await feedPoints(env.CATALOG, after ?? { at: 0, key: "" }, limit);
  const last = points.at(-1);
  if (last === undefined) return { events: [], next: null, more: false };
  const runs = new Map<string, FeedRun>();
  const attempts = new Map<string, FeedAttempt>();
  const keep = (rows: FeedAttempt[]) => {
    for (const a of rows) attempts.set(attemptKey(a.runId, a.taskKey, a.attempt), a);
  };
  for (const r of await runsById(env.CATALOG, [...new Set(points.map((p) => p.runId))])) runs.set(r.runId, r);
  // The attempts the points name, and for child runs the parent's `dag` task (its attempts: the latest started the child).
  const named = points.flatMap((p) => (p.taskKey !== null && p.attempt !== null ? [{ runId: p.runId, taskKey: p.taskKey, attempt: p.attempt }] : []));
  keep(await attemptsOf(env.CATALOG, named));
  const parents = [...runs.values()].flatMap((r) => {
    const d = triggerDetail(r);
    return d ? [{ runId: d.parentRunId, taskKey: d.taskId }] : [];
  });
  if (parents.length > 0) {
    keep(await attemptsOf(env.CATALOG, parents));
    for (const r of await runsById(env.CATALOG, parents.map((p) => p.runId).filter((id) => !runs.has(id)))) runs.set(r.runId, r);
  }
  const versions = [...new Map([...runs.values()].map((r) => [`${r.dagId}\n${r.dagVersion}`, { dagId: r.dagId, version: r.dagVersion }])).values()];
  const specs = new Map<string, DagSpec>();
  for (const [key, json] of await specsOf(env.CATALOG, versions)) {
    try {
      specs.set(key, storedSpec(json));
    } catch {
      // A version that no longer parses: its events go without SQL.
    }
  }
  const ended = points.filter((p) => p.kind === "attempt_end" && p.taskKey !== null && p.attempt !== null);
  const recordedRows = await attemptLineageOf(env.CATALOG, ended.map((p) => ({ runId: p.runId, taskKey: p.taskKey ?? "", attempt: p.attempt ?? 0 })));
  const recorded: FeedDetails["recorded"] = new Map([...recordedRows].map(([k, r]) => [k, { lineage: r.lineage, columns: r.columns }]));
  const events = feedEvents(openLineageConfig(env), points, { runs, attempts, specs, staticLineage: await taskLineageOf(env.CATALOG, versions), recorded });
  return { events, next: encodeFeedCursor(last), more: points.length === limit };
}
