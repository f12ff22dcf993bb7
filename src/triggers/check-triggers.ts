import { catalog, latestDagVersion } from "../db/catalog";
import { upstreamEdges } from "../db/dag-triggers";
import { triggerIssues } from "../events/trigger-checks";
import type { TriggerSpec } from "../events/trigger-spec";
import type { SpecIssue } from "../lib/issues";

/** The registration-time checks of a DAG's triggers, against the catalog and the Worker's secrets. */
export async function checkTriggers(env: Env, dagId: string, triggers: readonly TriggerSpec[]): Promise<SpecIssue[]> {
  const db = catalog(env.CATALOG);
  const upstream = [...new Set(triggers.flatMap((t) => (t.type === "dag" ? [t.dagId] : [])))];
  const known = new Set<string>();
  for (const id of upstream) if (await latestDagVersion(db, id)) known.add(id);
  const edges = upstream.length > 0 ? await upstreamEdges(env.CATALOG) : [];
  const vars = env as unknown as Record<string, unknown>;
  return triggerIssues(dagId, triggers, {
    dagExists: (id) => known.has(id),
    upstreamEdges: edges,
    secretExists: (name) => typeof vars[name] === "string" && (vars[name] as string).length > 0,
  });
}
