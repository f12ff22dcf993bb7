import { z } from "zod";
import { defineFunction, NonRetriableError } from "./define";

/**
 * Built-in functions for demos, tests and benchmarks. Each is small and
 * deterministic given its input (only `sleep` waits, and it stops on abort).
 */

/** Returns null at once: the cheapest possible task, used by the benchmark to measure orchestration alone. */
export const noop = defineFunction({
  name: "noop",
  description: "Does nothing and returns null.",
  run: () => null,
});

/** Returns its args unchanged (null when there are none): shows what templates rendered. */
export const echo = defineFunction({
  name: "echo",
  description: "Returns its args.",
  run: (input) => (input === undefined ? null : input),
});

/** Adds numbers. */
export const sum = defineFunction({
  name: "sum",
  description: "Adds `values` and returns `{ total }`.",
  input: z.object({ values: z.array(z.number()).max(100_000) }).strict(),
  run: ({ values }) => ({ total: values.reduce((total, v) => total + v, 0) }),
});

/** `[0, 1, …, n-1]`: a list to fan a mapped task out over. */
export const range = defineFunction({
  name: "range",
  description: "Returns the list [0, 1, …, n-1] (n ≤ 10,000), e.g. for dynamic task mapping.",
  input: z.object({ n: z.number().int().min(0).max(10_000) }).strict(),
  run: ({ n }) => Array.from({ length: n }, (_, i) => i),
});

/**
 * Fails with `message`, for tests of failure handling. With
 * `succeedOnAttempt: k` it fails attempts before k and then succeeds, which
 * makes retries observable; with `permanent: true` it throws a
 * `NonRetriableError` (no retry can mend it).
 */
export const fail = defineFunction({
  name: "fail",
  description:
    "Throws an error with `message`; with `succeedOnAttempt` it succeeds from that attempt on; with `permanent` the error is a NonRetriableError.",
  input: z
    .object({
      message: z.string().max(2_000).optional(),
      succeedOnAttempt: z.number().int().min(1).max(1_000).optional(),
      permanent: z.boolean().optional(),
    })
    .strict()
    .optional(),
  run: (input, { attempt }) => {
    if (input?.succeedOnAttempt !== undefined && attempt >= input.succeedOnAttempt) return { attempt };
    const message = input?.message ?? "failed on purpose";
    throw input?.permanent ? new NonRetriableError(message) : new Error(message);
  },
});

/** Waits `ms` milliseconds (at most a minute), stopping early with an error when the attempt is aborted. */
export const sleep = defineFunction({
  name: "sleep",
  description: "Waits `ms` milliseconds (≤ 60,000); stops when the attempt times out.",
  input: z.object({ ms: z.number().int().min(0).max(60_000) }).strict(),
  run: ({ ms }, { signal }) =>
    new Promise<{ sleptMs: number }>((resolve, reject) => {
      const aborted = (): Error => new Error(`sleep aborted after less than ${ms} ms`);
      if (signal.aborted) {
        reject(aborted());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(aborted());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve({ sleptMs: ms });
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
});

/**
 * A string of `bytes` characters, or with `fail: true` an error whose message is that long: large
 * outputs (held in R2) and oversized errors (truncated before they leave the worker), on demand.
 */
export const blob = defineFunction({
  name: "blob",
  description: "Returns a string of `bytes` characters (≤ 8 MiB); with `fail: true` throws an error that long instead.",
  input: z.object({ bytes: z.number().int().min(0).max(8 * 1024 * 1024), fail: z.boolean().optional() }).strict(),
  run: ({ bytes, fail: throwIt }) => {
    const text = "x".repeat(bytes);
    if (throwIt) throw new Error(text);
    return text;
  },
});

/** Every example, in the order `functionNames()` lists them. */
export const EXAMPLE_FUNCTIONS = [noop, echo, sum, range, fail, sleep, blob] as const;
