import { describe, expect, it } from "vitest";
import { admitUpdate, type DatasetUpdate, type GateState } from "../../../src/events/dataset-gate";

let n = 0;
const update = (uri: string): DatasetUpdate => ({ eventId: `e${++n}`, uri, at: n, dagId: "p", runId: "r", taskId: "t" });

describe("datasets trigger gate", () => {
  it("all: no run with one dataset missing; one run consuming every waiting update once all arrived", () => {
    const gate: GateState = {};
    const ds = ["d1://a", "d1://b", "d1://c"];
    const a1 = update("d1://a");
    const a2 = update("d1://a");
    expect(admitUpdate(gate, ds, "all", a1)).toEqual([]);
    expect(admitUpdate(gate, ds, "all", a2)).toEqual([]);
    expect(admitUpdate(gate, ds, "all", a2)).toEqual([]); // the same update again counts once
    const b = update("d1://b");
    expect(admitUpdate(gate, ds, "all", b)).toEqual([]);
    const c = update("d1://c");
    expect(admitUpdate(gate, ds, "all", c)).toEqual([[a1, a2, b, c]]);
    expect(gate).toEqual({});
    expect(admitUpdate(gate, ds, "all", update("d1://b"))).toEqual([]);
  });

  it("any: each update is its own run; updates of other datasets are ignored", () => {
    const gate: GateState = {};
    const u = update("d1://a");
    expect(admitUpdate(gate, ["d1://a"], "any", u)).toEqual([[u]]);
    expect(admitUpdate(gate, ["d1://a"], "any", update("d1://z"))).toEqual([]);
  });
});
