import { describe, expect, it } from "vitest";
import { MESSAGE_LIMIT, truncateMessage } from "../../../src/lib/truncate";
import { TaskErrorSchema } from "../../../src/run/rpc";

describe("truncateMessage", () => {
  it("leaves a message within the limit untouched, up to exactly the limit", () => {
    expect(truncateMessage("boom")).toBe("boom");
    expect(truncateMessage("")).toBe("");
    const exact = "x".repeat(MESSAGE_LIMIT);
    expect(truncateMessage(exact)).toBe(exact);
  });

  it("cuts a longer message to the limit and marks it with the full length", () => {
    const long = "a".repeat(MESSAGE_LIMIT) + "b".repeat(100);
    const cut = truncateMessage(long);
    expect(cut).toBe(`${"a".repeat(MESSAGE_LIMIT)}… [truncated, ${MESSAGE_LIMIT + 100} characters in all]`);
    expect(cut).not.toContain("b");
  });

  it("keeps a 1 MB message well under the RPC schema's cap", () => {
    const huge = "z".repeat(1_048_576);
    const cut = truncateMessage(huge);
    expect(cut.endsWith("… [truncated, 1048576 characters in all]")).toBe(true);
    expect(cut.length).toBeLessThan(10_000);
    expect(TaskErrorSchema.safeParse({ message: cut, code: "error" }).success).toBe(true);
    // Without the cut the schema refuses it: the bound is what makes the report fit.
    expect(TaskErrorSchema.safeParse({ message: huge, code: "error" }).success).toBe(false);
  });

  it("takes its own limit, and never cuts a surrogate pair in half", () => {
    expect(truncateMessage("abcdef", 3)).toBe("abc… [truncated, 6 characters in all]");
    // "ab😀cd": the emoji is two code units at indices 2–3; a cut at 3 would split it.
    const cut = truncateMessage("ab😀cd", 3);
    expect(cut).toBe("ab… [truncated, 6 characters in all]");
  });
});
