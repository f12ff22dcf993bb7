import { ExpressionError } from "../../../src/expr/expression";

/** Runs `fn` and returns the ExpressionError it throws (anything else fails the test). */
export function errorOf(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw new Error(`expected an ExpressionError, got ${String(err)}`);
  }
  throw new Error("expected an ExpressionError, nothing was thrown");
}
