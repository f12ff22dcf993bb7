import { describe, expect, it } from "vitest";
import { NonRetriableError, RetryAfterError } from "../../../src/functions/define";
import { MESSAGE_LIMIT } from "../../../src/lib/truncate";
import { MAX_RETRY_AFTER_MS, ReportInputSchema } from "../../../src/run/rpc";
import { specFailure, TaskFailure, toTaskError } from "../../../src/tasks/errors";

describe("toTaskError: retry advice", () => {
  it("a TaskFailure is retryable by default, and says nothing about it (absent = retryable)", () => {
    expect(toTaskError(new TaskFailure("HTTP 503", "http_status"))).toEqual({ message: "HTTP 503", code: "http_status" });
  });

  it("a spec failure is permanent", () => {
    expect(toTaskError(specFailure("unknown function 'x'", "config"))).toEqual({
      message: "unknown function 'x'",
      code: "config",
      retryable: false,
    });
  });

  it("carries a failure's wait, in whole milliseconds, capped at one hour", () => {
    expect(toTaskError(new TaskFailure("HTTP 429", "http_status", { retryAfterMs: 1_500 })).retryAfterMs).toBe(1_500);
    expect(toTaskError(new TaskFailure("x", "c", { retryAfterMs: 10.2 })).retryAfterMs).toBe(11);
    expect(toTaskError(new TaskFailure("x", "c", { retryAfterMs: 5 * MAX_RETRY_AFTER_MS })).retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
    expect(toTaskError(new TaskFailure("x", "c", { retryAfterMs: -3 })).retryAfterMs).toBe(0);
    expect(toTaskError(new TaskFailure("x", "c", { retryAfterMs: Number.NaN }))).not.toHaveProperty("retryAfterMs");
  });

  it("NonRetriableError, thrown by a function, is permanent", () => {
    expect(toTaskError(new NonRetriableError("customer 42 does not exist"))).toEqual({
      message: "customer 42 does not exist",
      code: "error",
      retryable: false,
    });
  });

  it("RetryAfterError is retryable and asks for its wait", () => {
    expect(toTaskError(new RetryAfterError("rate limited", 30_000))).toEqual({ message: "rate limited", code: "error", retryAfterMs: 30_000 });
  });

  it("any other error or thrown value is retryable", () => {
    expect(toTaskError(new Error("boom"))).toEqual({ message: "boom", code: "error" });
    expect(toTaskError(new TypeError(""))).toEqual({ message: "TypeError", code: "error" });
    expect(toTaskError("plain text")).toEqual({ message: "plain text", code: "error" });
    expect(toTaskError(Object.create(null))).toEqual({ message: "[object Object]", code: "error" });
  });
});

describe("toTaskError: bounded messages", () => {
  const huge = "x".repeat(1_048_576);

  it("truncates the message of every kind of failure", () => {
    for (const err of [new TaskFailure(huge, "sql"), specFailure(huge, "template"), new NonRetriableError(huge), new RetryAfterError(huge, 1), new Error(huge), huge]) {
      const { message } = toTaskError(err);
      expect(message.length).toBeLessThanOrEqual(MESSAGE_LIMIT + 100);
      expect(message.endsWith("[truncated, 1048576 characters in all]")).toBe(true);
    }
  });

  it("one task's 1 MB message no longer makes the whole report, with its siblings, fail the schema", () => {
    const sibling = (i: number) => ({ taskKey: `ok_${i}`, attempt: 1, ok: true, output: i });
    const failed = { taskKey: "big", attempt: 1, ok: false, error: toTaskError(new Error(huge)) };
    const report = { capacity: 4, outcomes: [sibling(0), failed, sibling(1)] };
    expect(ReportInputSchema.safeParse(report).success).toBe(true);
    // The same report with the raw message is refused as a whole.
    const raw = { ...report, outcomes: [sibling(0), { ...failed, error: { message: huge, code: "error" } }, sibling(1)] };
    expect(ReportInputSchema.safeParse(raw).success).toBe(false);
  });
});
