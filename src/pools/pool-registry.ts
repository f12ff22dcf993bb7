import { DurableObject } from "cloudflare:workers";

/**
 * The index of pool names (one object, `POOL_REGISTRY_OBJECT`): what
 * `GET /api/pools` lists before asking each pool for its state. A table of
 * names, no state of the pools themselves, so it is never on a task's path.
 * (Kept out of D1 because the catalog's migrations belong to the DAG side;
 * a list of pools is small and read rarely.)
 */
export class PoolRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS pools (name TEXT PRIMARY KEY)");
  }

  async add(name: string): Promise<void> {
    this.sql.exec("INSERT OR IGNORE INTO pools (name) VALUES (?)", name);
  }

  async remove(name: string): Promise<void> {
    this.sql.exec("DELETE FROM pools WHERE name = ?", name);
  }

  /** Pool names in name order. */
  async list(): Promise<string[]> {
    return this.sql.exec<{ name: string }>("SELECT name FROM pools ORDER BY name").toArray().map((r) => r.name);
  }
}
