import type { MiddlewareHandler } from "hono";
import { apiError } from "./errors";

const encoder = new TextEncoder();

/** The configured token's digest, computed once per isolate (it changes only with a deploy). */
let expectedDigest: { token: string; digest: Promise<ArrayBuffer> } | undefined;

function digestOfExpected(token: string): Promise<ArrayBuffer> {
  if (expectedDigest?.token !== token) {
    expectedDigest = { token, digest: crypto.subtle.digest("SHA-256", encoder.encode(token)) };
  }
  return expectedDigest.digest;
}

/** Compares a presented secret with the expected one in constant time (hashing first, so lengths never leak). */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    digestOfExpected(expected),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

/** Requires `Authorization: Bearer <API_TOKEN>`; answers 401 JSON otherwise. */
export function bearerToken(): MiddlewareHandler<{ Bindings: Env }> {
  return async function bearerTokenMiddleware(c, next) {
    const expected = c.env.API_TOKEN;
    if (!expected) apiError(500, "misconfigured", "the server has no API_TOKEN set");
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) apiError(401, "unauthorized", "missing bearer token (Authorization: Bearer <API_TOKEN>)");
    if (!(await secretsEqual(match[1], expected))) apiError(401, "unauthorized", "invalid bearer token");
    await next();
  };
}
