import type { SpecIssue } from "../lib/issues";
import type { TriggerSpec } from "./trigger-spec";

/** What registration looks up to check a DAG's triggers (the catalog and the Worker's secrets). */
export interface TriggerFacts {
  dagExists: (dagId: string) => boolean;
  /** Upstream → downstream edges of every other DAG's `dag` triggers. */
  upstreamEdges: ReadonlyArray<{ upstream: string; downstream: string }>;
  secretExists: (name: string) => boolean;
}

/**
 * Triggers that cannot work, each with its path: an unknown upstream DAG, a cycle of DAG triggers
 * (`a → b → a`, a DAG triggering itself), a webhook secret the Worker does not have, an R2
 * trigger listed twice for the same bucket and prefix.
 */
export function triggerIssues(dagId: string, triggers: readonly TriggerSpec[], facts: TriggerFacts): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const downstreamOf = new Map<string, string[]>();
  for (const e of facts.upstreamEdges) {
    if (e.downstream === dagId) continue; // this DAG's old triggers are replaced by the new ones
    const list = downstreamOf.get(e.upstream) ?? [];
    list.push(e.downstream);
    downstreamOf.set(e.upstream, list);
  }
  triggers.forEach((t, i) => {
    const path = `triggers[${i}]`;
    switch (t.type) {
      case "dag": {
        if (t.dagId === dagId) {
          issues.push({ path: `${path}.dagId`, message: `a DAG cannot trigger itself ('${dagId}' → '${dagId}')` });
          return;
        }
        if (!facts.dagExists(t.dagId)) {
          issues.push({ path: `${path}.dagId`, message: `unknown DAG '${t.dagId}'` });
          return;
        }
        // This DAG runs after t.dagId; a path from this DAG down to t.dagId closes a cycle.
        const cycle = pathBetween(downstreamOf, dagId, t.dagId);
        if (cycle) issues.push({ path: `${path}.dagId`, message: `cycle of DAG triggers: ${[t.dagId, ...cycle].join(" → ")}` });
        return;
      }
      case "webhook":
        if (!facts.secretExists(t.secret)) issues.push({ path: `${path}.secret`, message: `the Worker has no secret named '${t.secret}' (set it with wrangler secret put, or in .dev.vars locally)` });
        return;
      default:
        return;
    }
  });
  return issues;
}

/** A downstream path from `from` to `to` (both included), or undefined. */
function pathBetween(downstreamOf: ReadonlyMap<string, readonly string[]>, from: string, to: string): string[] | undefined {
  const prev = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const at = queue.shift() as string;
    if (at === to) {
      const path = [to];
      for (let p = prev.get(to); p !== undefined; p = prev.get(p)) path.unshift(p);
      return path;
    }
    for (const next of downstreamOf.get(at) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      prev.set(next, at);
      queue.push(next);
    }
  }
  return undefined;
}
