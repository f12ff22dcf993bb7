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

  it("a type with no executor (a control task) fails for good with code config", async () => {
    const outcome = await runAttempt(orderFor<"empty">({ type: "empty" }), env);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toEqual({ code: "config", message: "no executor for 'empty'", retryable: false });
  });

  it("a template that fails to render fails for good with code template", async () => {
    const outcome = await runAttempt(orderFor<"function">({ type: "function", function: "echo", args: "{{ params.missing.deeper }}" }), env);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatchObject({ code: "template", retryable: false });
  });
});

describe("runAttempt: permanent and retryable failures", () => {
  it("a SQL template that fails to render fails for good (before any statement runs)", async () => {
    const outcome = await runAttempt(orderFor<"sql">({ type: "sql", sql: "SELECT {{ params.missing.deeper }}" }), env);
    expect(outcome.error).toMatchObject({ code: "template", retryable: false });
  });

  it("SQL with no statement in it fails for good", async () => {
    const outcome = await runAttempt(orderFor<"sql">({ type: "sql", sql: ";" }), env);
    expect(outcome.error).toEqual({ code: "sql", message: "no SQL statement to run", retryable: false });
  });

  it("a statement D1 cannot prepare or run is retried (only rendering is the spec's fault)", async () => {
    // This env has no DB binding: preparing throws, as a D1 outage would.
    const outcome = await runAttempt(orderFor<"sql">({ type: "sql", sql: "SELECT {{ params.n }}" }, { scope: { params: { n: 1 }, runId: "r", logicalDate: null, tasks: {} } }), env);
    expect(outcome.error?.code).toBe("sql");
    expect(outcome.error).not.toHaveProperty("retryable");
  });

  it("an unknown function and args failing the schema fail for good", async () => {
    const unknown = await runAttempt(orderFor<"function">({ type: "function", function: "nope" }), env);
    expect(unknown.error).toMatchObject({ code: "config", retryable: false });
    const invalid = await runAttempt(orderFor<"function">({ type: "function", function: "range", args: { n: "three" } }), env);
    expect(invalid.error).toMatchObject({ code: "invalid_args", retryable: false });
  });

  it("an error thrown by a function and a timeout are retryable", async () => {
    const thrown = await runAttempt(orderFor<"function">({ type: "function", function: "fail", args: { message: "boom" } }), env);
    expect(thrown.error).toEqual({ code: "error", message: "boom" });
    const slow = await runAttempt(
      orderFor<"function">({ type: "function", function: "sleep", args: { ms: 1_000 } }, { timeoutMs: 20 }),
      env,
    );
    expect(slow.error?.code).toBe("timeout");
    expect(slow.error).not.toHaveProperty("retryable");
  });
});
