import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { SpecIssue } from "../lib/issues";

/** The one JSON error shape: `{ error: { code, message, issues? } }`, issues naming each bad field. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: SpecIssue[] };
}

/** Throws an HTTP error with the JSON body every Switchyard error has. */
export function apiError(status: ContentfulStatusCode, code: string, message: string, issues?: SpecIssue[]): never {
  const body: ErrorBody = { error: { code, message, ...(issues ? { issues } : {}) } };
  throw new HTTPException(status, { message, res: Response.json(body, { status }) });
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof HTTPException) {
    if (err.res) return err.res;
    return c.json({ error: { code: `http_${err.status}`, message: err.message } } satisfies ErrorBody, err.status);
  }
  console.error("unhandled error", err);
  return c.json({ error: { code: "internal", message: "internal error" } } satisfies ErrorBody, 500);
}

export function notFound(c: Context): Response {
  return c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } } satisfies ErrorBody, 404);
}
