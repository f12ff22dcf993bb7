/**
 * Reads the OpenLineage feed from the catalog (an adapter): the points after a cursor, the runs,
 * attempts, specs and lineage they name, then the pure `feedEvents`. Shared by
 * `GET /api/openlineage/events` and the forwarder, so both send the same events.
 */
import { storedSpec } from "../dag/compiled";
import type { DagSpec } from "../dag/spec";
import { attemptLineageOf, feedPoints, runsWithAttempts, specsOf, taskLineageOf } from "../db/lineage";
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
  let wanted = [...new Set(points.map((p) => p.runId))];
  // Runs the points name, then the parents of child runs among them (their `dag` task's attempt).
  for (let round = 0; round < 2 && wanted.length > 0; round++) {
    const found = await runsWithAttempts(env.CATALOG, wanted);
    for (const r of found.runs) runs.set(r.runId, r);
    for (const a of found.attempts) attempts.set(attemptKey(a.runId, a.taskKey, a.attempt), a);
    wanted = [...new Set(found.runs.map((r) => triggerDetail(r)?.parentRunId).filter((id): id is string => id !== undefined && !runs.has(id)))];
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
