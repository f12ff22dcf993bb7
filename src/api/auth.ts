import type { MiddlewareHandler } from "hono";
import { createHash, timingSafeEqual } from "node:crypto";
import { apiError } from "./errors";

/** The configured token's digest, computed once per isolate (it changes only with a deploy). */
let expectedDigest: { token: string; digest: Uint8Array } | undefined;

const sha256 = (s: string): Uint8Array => createHash("sha256").update(s).digest();

/**
 * Compares a presented secret with the expected one in constant time (hashing first, so lengths
 * never leak). Synchronous (`node:crypto`): a request's token check costs no trip through the event loop.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: sha256(expected) };
  return timingSafeEqual(sha256(presented), expectedDigest.digest);
}

/** Requires `Authorization: Bearer <API_TOKEN>`; answers 401 JSON otherwise. */
export function bearerToken(): MiddlewareHandler<{ Bindings: Env }> {
  return async function bearerTokenMiddleware(c, next) {
    const expected = c.env.API_TOKEN;
    if (!expected) apiError(500, "misconfigured", "the server has no API_TOKEN set");
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) apiError(401, "unauthorized", "missing bearer token (Authorization: Bearer <API_TOKEN>)");
    if (!secretsEqual(match[1], expected)) apiError(401, "unauthorized", "invalid bearer token");
    await next();
  };
}
