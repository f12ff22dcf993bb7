/**
 * Webhook signatures: `X-Switchyard-Timestamp: <unix seconds>` and `X-Switchyard-Signature:
 * sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, compared in constant time, the
 * timestamp within ±300 s of now (a captured request cannot be replayed later).
 */

export const SIGNATURE_HEADER = "x-switchyard-signature";
export const TIMESTAMP_HEADER = "x-switchyard-timestamp";
export const MAX_SKEW_SECONDS = 300;

export type SignatureCheck = { ok: true; signature: string } | { ok: false; reason: string };

const encoder = new TextEncoder();

/** The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret` (what a sender computes). */
export async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function constantTimeEqual(a: string, b: string): boolean {
  // Lengths are not secret (always 64 hex characters when well-formed); the contents are.
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Checks a request's timestamp and signature headers against the secret, at `nowMs`. */
export async function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowMs: number,
): Promise<SignatureCheck> {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER} (unix seconds)` };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: `${TIMESTAMP_HEADER} is more than ${MAX_SKEW_SECONDS} s away from now` };
  const m = signature === undefined ? null : /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
  if (!m?.[1]) return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER} (sha256=<hex>)` };
  const expected = await signWebhook(secret, timestamp, body);
  if (!constantTimeEqual(m[1].toLowerCase(), expected)) return { ok: false, reason: "signature does not match" };
  return { ok: true, signature: expected };
}
