import type { FunctionDef } from "./define";
import { EXAMPLE_FUNCTIONS } from "./examples";

/**
 * The functions a `function` task can name. Built once from the modules that
 * define them; to add one, define it with `defineFunction` and list it here.
 */

/** Builds a name → function map; throws on a name defined twice (caught at module load). */
export function buildRegistry(defs: Iterable<FunctionDef>): ReadonlyMap<string, FunctionDef> {
  const registry = new Map<string, FunctionDef>();
  for (const def of defs) {
    if (registry.has(def.name)) throw new Error(`function '${def.name}' is defined twice`);
    registry.set(def.name, def);
  }
  return registry;
}

/** Every function of this Worker, by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = buildRegistry(EXAMPLE_FUNCTIONS);

/** Names of the registered functions, sorted (for error messages and the API). */
export function functionNames(registry: ReadonlyMap<string, FunctionDef> = FUNCTIONS): string[] {
  return [...registry.keys()].sort();
}
