import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateDagSpec } from "../../../src/dag/validate";

// The example DAGs `npm start` registers must stay valid as the spec evolves.
const dir = join(process.cwd(), "examples", "dags");
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

describe("example DAGs", () => {
  it("there are examples for every pattern the README documents", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });
  it("every pool an example DAG uses is one npm start creates (examples/pools.json)", () => {
    const pools = JSON.parse(readFileSync(join(process.cwd(), "examples", "pools.json"), "utf8")) as Record<string, { slots: number }>;
    const used = files.flatMap((f) => Object.values(JSON.parse(readFileSync(join(dir, f), "utf8")).tasks as Record<string, { pool?: string }>).map((t) => t.pool));
    const named = used.filter((p): p is string => p !== undefined);
    expect(named.length).toBeGreaterThan(0);
    for (const p of named) expect(pools[p]?.slots).toBeGreaterThanOrEqual(1);
  });
  it.each(files)("%s is a valid DAG", (file) => {
    const raw = readFileSync(join(dir, file), "utf8").replaceAll("${SWITCHYARD_URL}", "http://127.0.0.1:8787");
    const result = validateDagSpec(JSON.parse(raw), raw);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});
