import { formatPath } from "../lib/issues";
import type { FunctionDef } from "../functions/define";
import { FUNCTIONS, functionNames } from "../functions/registry";
import { specFailure } from "./errors";
import type { Executor } from "./executor";

/** Quoted zod issues in error messages stop after this many. */
const MAX_REPORTED_ISSUES = 5;

/**
 * Builds the executor for `function` tasks over a registry (tests pass their
 * own). An unknown function fails with code `config` and args that fail the
 * function's schema with `invalid_args`, naming the field; both are permanent
 * problems of the spec, not of the attempt, so they are not retried. Errors
 * thrown by the function itself fail the attempt as they are: retryable,
 * unless it throws `NonRetriableError` (or asks for a wait with
 * `RetryAfterError`).
 */
export function createFunctionExecutor(registry: ReadonlyMap<string, FunctionDef>): Executor<"function"> {
  return async function executeFunction(order, { signal }) {
    const { task } = order;
    const def = registry.get(task.function);
    if (def === undefined) {
      throw specFailure(`unknown function '${task.function}' (known: ${functionNames(registry).join(", ") || "none"})`, "config");
    }
    let input: unknown = task.args;
    if (def.input !== undefined) {
      const parsed = def.input.safeParse(task.args);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => {
          const path = formatPath(issue.path);
          return path === "" ? issue.message : `${path}: ${issue.message}`;
        });
        const more = parsed.error.issues.length > MAX_REPORTED_ISSUES ? "; …" : "";
        throw specFailure(`invalid args for '${def.name}': ${issues.join("; ")}${more}`, "invalid_args");
      }
      input = parsed.data;
    }
    return await def.run(input, {
      runId: order.runId,
      taskId: order.taskId,
      attempt: order.attempt,
      mapIndex: order.mapIndex,
      signal,
    });
  };
}

/** The executor for `function` tasks over this Worker's registered functions. */
export const executeFunction: Executor<"function"> = createFunctionExecutor(FUNCTIONS);
