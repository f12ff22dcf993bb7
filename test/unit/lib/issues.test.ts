import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatPath, zodIssues } from "../../../src/lib/issues";

describe("formatPath", () => {
  it("renders object keys with dots and array indices in brackets", () => {
    expect(formatPath(["tasks", "load", "dependsOn", 0])).toBe("tasks.load.dependsOn[0]");
    expect(formatPath(["tasks", "x", "sql", 2])).toBe("tasks.x.sql[2]");
  });

  it("renders the root as an empty string and a leading index without a dot", () => {
    expect(formatPath([])).toBe("");
    expect(formatPath([0, "a"])).toBe("[0].a");
  });
});

describe("zodIssues", () => {
  it("pairs each zod issue's message with its formatted path", () => {
    const schema = z.object({ tasks: z.record(z.string(), z.object({ dependsOn: z.array(z.string()) })) });
    const parsed = schema.safeParse({ tasks: { load: { dependsOn: ["a", 7] } } });
    if (parsed.success) throw new Error("expected the value to be rejected");
    expect(zodIssues(parsed.error)).toEqual([{ path: "tasks.load.dependsOn[1]", message: expect.stringContaining("string") }]);
  });
});
