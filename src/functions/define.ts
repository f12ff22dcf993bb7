import type { z } from "zod";

/**
 * Function tasks: TypeScript functions bundled with the Worker and run by a
 * task of `type: "function"`. A DAG names one (`"function": "sum"`) and passes
 * `args`, which are rendered from templates and then checked against the
 * function's zod schema before `run` sees them, so `run` gets typed input.
 */

/** What a function knows about the attempt running it. */
export interface FunctionContext {
  runId: string;
  taskId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** Index of a mapped task instance, null for an unmapped task. */
  mapIndex: number | null;
  /** Aborted when the attempt times out: long-running functions should stop. */
  signal: AbortSignal;
}

/**
 * A registered function. `run` is declared as a method so that a definition
 * with a specific input type is assignable to `FunctionDef<unknown>` in the
 * registry (method parameters are bivariant); the executor upholds the type
 * at run time by parsing the args with `input` first.
 */
export interface FunctionDef<I = unknown, O = unknown> {
  readonly name: string;
  readonly description?: string;
  /** Validates (and may default) the args; absent: args are passed through as they are. */
  readonly input?: z.ZodType<I>;
  run(input: I, ctx: FunctionContext): Promise<O> | O;
}

/** Function names: what a DAG writes after `"function":`. */
export const FUNCTION_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** What `defineFunction` takes; `I` is inferred from `input` (unknown without one). */
export interface FunctionDefinition<I, O> {
  name: string;
  description?: string;
  input?: z.ZodType<I>;
  run: (input: I, ctx: FunctionContext) => Promise<O> | O;
}

/**
 * Defines a function; its input type is inferred from the zod schema, so
 * `run` is typed without annotations. Throws on a malformed name (at module
 * load, where a typo is cheapest to find).
 */
export function defineFunction<I = unknown, O = unknown>(def: FunctionDefinition<I, O>): FunctionDef<I, Awaited<O>> {
  if (!FUNCTION_NAME_PATTERN.test(def.name)) {
    throw new Error(`function name '${def.name}' must match ${FUNCTION_NAME_PATTERN.source}`);
  }
  const { name, description, input, run } = def;
  return {
    name,
    ...(description === undefined ? {} : { description }),
    ...(input === undefined ? {} : { input }),
    // Awaited here so a function's output is always a settled value, whatever `run` returns.
    async run(value: I, ctx: FunctionContext): Promise<Awaited<O>> {
      return await run(value, ctx);
    },
  };
}

/**
 * Thrown by a function to fail its attempt for good: the task is not
 * retried, whatever its `retries` say (Inngest's name and meaning). For
 * failures no retry can mend: a record that does not exist, input the
 * schema could not catch, a refusal from the far side.
 */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NonRetriableError";
  }
}

/**
 * Thrown by a function to fail its attempt and ask the retry to wait at
 * least `retryAfterMs` (a rate limit's reset, say); the task's `retries`
 * still decide whether there is a retry. The wait is capped at one hour.
 */
export class RetryAfterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RetryAfterError";
  }
}
