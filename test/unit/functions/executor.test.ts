import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineFunction, NonRetriableError, RetryAfterError, type FunctionContext } from "../../../src/functions/define";
import { buildRegistry } from "../../../src/functions/registry";
import { TaskFailure, toTaskError } from "../../../src/tasks/errors";
import { createFunctionExecutor, executeFunction } from "../../../src/tasks/function";
import type { WorkOrderOf } from "../../../src/tasks/executor";
import type { FunctionTaskSpec } from "../../../src/dag/spec";
import { bareContext, orderFor } from "../tasks/orders";

const order = (task: FunctionTaskSpec, overrides: Partial<WorkOrderOf<"function">> = {}) =>
  orderFor<"function">(task, { mapIndex: 2, attempt: 3, ...overrides });

const ctx = bareContext;

async function failureOf(promise: Promise<unknown>): Promise<TaskFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TaskFailure) return err;
    throw new Error(`expected a TaskFailure, got ${String(err)}`);
  }
  throw new Error("expected a TaskFailure, the task succeeded");
}

describe("executeFunction", () => {
  it("runs the named function with its args and returns the output", async () => {
    await expect(executeFunction(order({ type: "function", function: "sum", args: { values: [1, 2, 3] } }), ctx())).resolves.toEqual({
      total: 6,
    });
    await expect(executeFunction(order({ type: "function", function: "range", args: { n: 3 } }), ctx())).resolves.toEqual([0, 1, 2]);
    await expect(executeFunction(order({ type: "function", function: "noop" }), ctx())).resolves.toBeNull();
  });

  it("an unknown function fails with code config and lists the known ones", async () => {
    const failure = await failureOf(executeFunction(order({ type: "function", function: "nope" }), ctx()));
    expect(failure.code).toBe("config");
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain("unknown function 'nope'");
    expect(failure.message).toContain("sum");
  });

  it("args that fail the schema fail with code invalid_args, naming the field", async () => {
    const failure = await failureOf(
      executeFunction(order({ type: "function", function: "sum", args: { values: [1, "2"] } }), ctx()),
    );
    expect(failure.code).toBe("invalid_args");
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^invalid args for 'sum': values\[1\]: /);
  });

  it("missing args fail the schema too", async () => {
    const failure = await failureOf(executeFunction(order({ type: "function", function: "range" }), ctx()));
    expect(failure.code).toBe("invalid_args");
  });

  it("an error thrown by the function fails the attempt with its message", async () => {
    await expect(
      executeFunction(order({ type: "function", function: "fail", args: { message: "boom" } }), ctx()),
    ).rejects.toThrow("boom");
  });

  it("NonRetriableError thrown by a function fails the attempt for good; RetryAfterError asks for a wait", async () => {
    const execute = createFunctionExecutor(
      buildRegistry([
        defineFunction({
          name: "lookup",
          run: () => {
            throw new NonRetriableError("customer 42 does not exist");
          },
        }),
        defineFunction({
          name: "limited",
          run: () => {
            throw new RetryAfterError("rate limited", 2_000);
          },
        }),
        defineFunction({
          name: "flaky",
          run: () => {
            throw new Error("try again");
          },
        }),
      ]),
    );
    const errorOf = async (name: string) => {
      try {
        await execute(order({ type: "function", function: name }), ctx());
      } catch (err) {
        return toTaskError(err);
      }
      throw new Error(`${name} succeeded`);
    };
    expect(await errorOf("lookup")).toEqual({ message: "customer 42 does not exist", code: "error", retryable: false });
    expect(await errorOf("limited")).toEqual({ message: "rate limited", code: "error", retryAfterMs: 2_000 });
    expect(await errorOf("flaky")).toEqual({ message: "try again", code: "error" });
  });

  it("takes only function tasks: an order of another task type does not fit its type (checked by the typecheck)", () => {
    // runAttempt dispatches by task type, so an http task cannot reach this executor.
    expectTypeOf(executeFunction).parameter(0).toEqualTypeOf<WorkOrderOf<"function">>();
    expectTypeOf<WorkOrderOf<"http">>().not.toExtend<Parameters<typeof executeFunction>[0]>();
  });

  it("passes the parsed args (defaults applied) and the attempt's context", async () => {
    let seen: { input: unknown; ctx: FunctionContext } | undefined;
    const probe = defineFunction({
      name: "probe",
      input: z.object({ n: z.number().default(7) }),
      run: (input, c) => {
        seen = { input, ctx: c };
        return "ok";
      },
    });
    const controller = new AbortController();
    const execute = createFunctionExecutor(buildRegistry([probe]));
    await expect(
      execute(order({ type: "function", function: "probe", args: {} }), { env: {} as Env, signal: controller.signal }),
    ).resolves.toBe("ok");
    expect(seen?.input).toEqual({ n: 7 });
    expect(seen?.ctx).toMatchObject({ runId: "run-1", taskId: "t", attempt: 3, mapIndex: 2 });
    expect(seen?.ctx.signal).toBe(controller.signal);
  });
});
