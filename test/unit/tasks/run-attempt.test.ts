import { describe, expect, it } from "vitest";
import { runAttempt } from "../../../src/tasks";
import { orderFor } from "./orders";

const env = {} as Env;

describe("runAttempt: dispatch by task type", () => {
  it("runs a function task with the function executor and returns its output", async () => {
    const outcome = await runAttempt(orderFor<"function">({ type: "function", function: "echo", args: { a: 1 } }), env);
    expect(outcome).toMatchObject({ taskKey: "t", attempt: 1, ok: true, output: { a: 1 } });
  });

  it("renders templates before the executor sees the task", async () => {
    const order = orderFor<"function">(
      { type: "function", function: "echo", args: "{{ params.region }}" },
      { scope: { params: { region: "eu" }, runId: "run-1", logicalDate: null, tasks: {} } },
    );
    expect(await runAttempt(order, env)).toMatchObject({ ok: true, output: "eu" });
  });

  it("a type with no executor (a control task) fails with code config", async () => {
    const outcome = await runAttempt(orderFor<"empty">({ type: "empty" }), env);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatchObject({ code: "config", message: "no executor for 'empty'" });
  });

  it("a template that fails to render fails with code template", async () => {
    const outcome = await runAttempt(orderFor<"function">({ type: "function", function: "echo", args: "{{ params.missing.deeper }}" }), env);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe("template");
  });
});
