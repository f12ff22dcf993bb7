import type { Context } from "hono";
import type { z } from "zod";
import { zodIssues } from "../lib/issues";
import { apiError } from "./errors";

/** Reads a JSON body; returns the parsed value and the raw text (for duplicate-key checks). */
export async function readJson(c: Context, { optional = false } = {}): Promise<{ value: unknown; raw: string }> {
  const raw = await c.req.text();
  if (raw.trim() === "") {
    if (optional) return { value: {}, raw };
    apiError(400, "invalid_request", "request body must be a JSON object");
  }
  try {
    return { value: JSON.parse(raw) as unknown, raw };
  } catch (err) {
    return apiError(400, "invalid_json", `request body is not valid JSON: ${err instanceof Error ? err.message : ""}`.trim());
  }
}

/** Parses with a zod schema or answers 400 naming each bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, code = "invalid_request"): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error).map((i) => ({ ...i, path: i.path === "" ? "(body)" : i.path }));
  return apiError(400, code, issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
}
