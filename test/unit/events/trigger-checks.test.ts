import { describe, expect, it } from "vitest";
import { triggerIssues } from "../../../src/events/trigger-checks";
import { triggerIndexRows } from "../../../src/events/trigger-index";

const facts = (edges: Array<[string, string]>, dags: string[] = ["a", "b", "c"]) => ({
  dagExists: (id: string) => dags.includes(id),
  upstreamEdges: edges.map(([upstream, downstream]) => ({ upstream, downstream })),
  secretExists: (name: string) => name === "HOOK",
});

describe("trigger checks at registration", () => {
  it("names an unknown upstream DAG, a missing secret, a DAG triggering itself", () => {
    expect(triggerIssues("x", [{ type: "webhook", secret: "HOOK" }, { type: "dag", dagId: "nope" }], facts([]))).toEqual([{ path: "triggers[1].dagId", message: "unknown DAG 'nope'" }]);
    expect(triggerIssues("x", [{ type: "webhook", secret: "MISSING" }], facts([]))[0]?.path).toBe("triggers[0].secret");
    expect(triggerIssues("a", [{ type: "dag", dagId: "a" }], facts([]))[0]?.message).toMatch(/cannot trigger itself/);
  });

  it("names a cycle of DAG triggers in flow order, through any number of DAGs", () => {
    // b runs after a, c after b; now a wants to run after c: c → a → b → c.
    expect(triggerIssues("a", [{ type: "dag", dagId: "c" }], facts([["a", "b"], ["b", "c"]]))).toEqual([{ path: "triggers[0].dagId", message: "cycle of DAG triggers: c → a → b → c" }]);
    // The DAG's own old edges are replaced, not counted.
    expect(triggerIssues("b", [{ type: "dag", dagId: "a" }], facts([["a", "b"]]))).toEqual([]);
  });

  it("indexes triggers by what an event names: bucket, upstream DAG, each dataset (canonical), the DAG for webhooks", () => {
    const rows = triggerIndexRows("d", 3, [
      { type: "r2", bucket: "landing" },
      { type: "dag", dagId: "up" },
      { type: "datasets", datasets: ["d1://DB/orders", "d1://orders", "r2://lake/x/"] },
      { type: "webhook", secret: "HOOK" },
    ], 0);
    expect(rows.map((r) => [r.position, r.item, r.type, r.key])).toEqual([
      [0, 0, "r2", "landing"],
      [1, 0, "dag", "up"],
      [2, 0, "datasets", "d1://orders"],
      [2, 1, "datasets", "r2://lake/x/"],
      [3, 0, "webhook", "d"],
    ]);
  });
});
