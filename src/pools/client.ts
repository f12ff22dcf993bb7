import { POOL_REGISTRY_OBJECT, poolObjectName } from "../lib/ids";
import type { PoolCoordinator } from "./pool-coordinator";
import type { PoolRegistry } from "./pool-registry";

/** The PoolCoordinator RPC surface as callers see it (the class's own method types, as for runs). */
export type PoolClient = Pick<PoolCoordinator, "configure" | "update" | "view" | "remove">;
export type PoolRegistryClient = Pick<PoolRegistry, "add" | "remove" | "list">;

/** The coordinator of one pool: `idFromName("pool:<name>")`, so every run reaches the same object. */
export function poolFor(env: Env, pool: string): PoolClient {
  return env.POOLS.get(env.POOLS.idFromName(poolObjectName(pool))) as unknown as PoolClient;
}

/** The index of pool names. */
export function poolRegistry(env: Env): PoolRegistryClient {
  return env.POOL_REGISTRY.get(env.POOL_REGISTRY.idFromName(POOL_REGISTRY_OBJECT)) as unknown as PoolRegistryClient;
}
