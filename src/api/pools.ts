import { Hono } from "hono";
import { IdSchema } from "../dag/spec";
import { poolFor, poolRegistry } from "../pools/client";
import type { PoolView } from "../pools/pool-coordinator";
import { PoolConfigSchema } from "../pools/rpc";
import { apiError } from "./errors";
import { parseOr400, readJson } from "./input";

function poolName(raw: string): string {
  const parsed = IdSchema.safeParse(raw);
  if (!parsed.success) apiError(400, "invalid_request", `name: ${parsed.error.issues[0]?.message ?? "invalid pool name"}`, [{ path: "name", message: parsed.error.issues[0]?.message ?? "invalid" }]);
  return raw;
}

/**
 * `/api/pools`: pools shared across runs and DAGs (Airflow's pools). A pool is
 * a PoolCoordinator Durable Object; the registry object keeps their names.
 */
export const poolsApi = new Hono<{ Bindings: Env }>()
  .get("/", async (c) => {
    const names = await poolRegistry(c.env).list();
    const views = await Promise.all(names.map((name) => poolFor(c.env, name).view()));
    return c.json({ pools: views.filter((v): v is PoolView => v !== null) });
  })
  .get("/:name", async (c) => {
    const name = poolName(c.req.param("name"));
    const view = await poolFor(c.env, name).view();
    if (!view) apiError(404, "not_found", `no pool '${name}'`);
    return c.json(view);
  })
  .put("/:name", async (c) => {
    const name = poolName(c.req.param("name"));
    const { slots } = parseOr400(PoolConfigSchema, (await readJson(c)).value);
    // Named first: a pool that exists is always listed (a crash between the two leaves a name whose
    // pool is not configured, which the list skips).
    await poolRegistry(c.env).add(name);
    const { created, pool } = await poolFor(c.env, name).configure({ name, slots });
    return c.json(pool, created ? 201 : 200);
  })
  .delete("/:name", async (c) => {
    const name = poolName(c.req.param("name"));
    const result = await poolFor(c.env, name).remove();
    if (!result.ok && result.code === "not_found") apiError(404, "not_found", `no pool '${name}'`);
    if (!result.ok) {
      const v = result.view;
      apiError(409, "pool_in_use", `pool '${name}' has ${v?.holders.length ?? 0} holder(s) and ${v?.queued ?? 0} waiting: delete it once they are done`);
    }
    await poolRegistry(c.env).remove(name);
    return c.json({ name, deleted: true });
  });
