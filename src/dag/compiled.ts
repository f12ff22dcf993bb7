import { BoundedCache } from "../lib/bounded-cache";
import { compileDag, type Plan } from "./plan";
import { DagSpecSchema, type DagSpec } from "./spec";

interface Compiled {
  spec: DagSpec;
  plan?: Plan;
}

/**
 * Parsed specs and compiled plans, by their stored JSON. A DAG version never
 * changes once stored, so an isolate parses and compiles each version once,
 * not on every trigger and every coordinator start. Callers treat both as
 * read-only. Bounded: an isolate may see many DAGs over its life.
 */
const cache = new BoundedCache<string, Compiled>(64);

function entry(specJson: string): Compiled {
  return cache.getOrSet(specJson, (json) => ({ spec: DagSpecSchema.parse(JSON.parse(json)) }));
}

/** The spec of a stored DAG version (JSON written by the catalog after validation). */
export function storedSpec(specJson: string): DagSpec {
  return entry(specJson).spec;
}

/** The compiled plan of a stored DAG version. */
export function storedPlan(specJson: string): Plan {
  const hit = entry(specJson);
  hit.plan ??= compileDag(hit.spec);
  return hit.plan;
}
