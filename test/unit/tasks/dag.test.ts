import { describe, expect, it } from "vitest";
import { TaskFailure } from "../../../src/tasks/errors";
import { executeDag } from "../../../src/tasks/dag";
import { orderFor } from "./orders";

describe("executeDag: the depth limit", () => {
  it("a child run deeper than MAX_DAG_DEPTH fails for good, before any run is started", async () => {
    const env = { MAX_DAG_DEPTH: "3" } as Env; // no CATALOG: reaching startRun would throw a TypeError
    const order = orderFor<"dag">({ type: "dag", dagId: "child" }, { depth: 3 });
    const failure = await executeDag(order, { env, signal: new AbortController().signal }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ code: "depth", retryable: false, message: expect.stringContaining("deeper than the limit of 3") });
  });
});
