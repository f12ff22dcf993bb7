import { Hono } from "hono";
import { storedSpec } from "../dag/compiled";
import { IdSchema } from "../dag/id";
import { dagFor } from "../dags/client";
import { catalog, latestDagVersion } from "../db/catalog";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from "../events/webhook-signature";
import { apiError } from "./errors";

/** Bodies past this are refused with 413 before they are read whole. */
export const MAX_HOOK_BODY_BYTES = 1_048_576;
const IDEMPOTENCY_HEADER = "idempotency-key";

/** Reads at most `limit` bytes of a body; undefined when it is longer. */
async function readLimited(req: Request, limit: number): Promise<string | undefined> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) return undefined;
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

const unauthorized = (message: string): never => apiError(401, "unauthorized", message);

/**
 * `POST /hooks/{dagId}`: a signed webhook starts a run of a DAG with a `webhook` trigger. The
 * signature is the credential (no API token). Every refusal — unknown DAG, no webhook trigger,
 * missing, stale or wrong signature — is the same 401, so the endpoint tells an outsider nothing.
 * The same signed request again (a replay within the window) or the same `Idempotency-Key`
 * answers 200 with the first run.
 */
export const hooksApi = new Hono<{ Bindings: Env }>().post("/:dagId", async (c) => {
  const dagId = c.req.param("dagId");
  const raw = await readLimited(c.req.raw, MAX_HOOK_BODY_BYTES);
  if (raw === undefined) return apiError(413, "payload_too_large", `webhook bodies are limited to ${MAX_HOOK_BODY_BYTES} bytes`);
  if (!IdSchema.safeParse(dagId).success) return unauthorized("invalid signature or unknown webhook");
  const version = await latestDagVersion(catalog(c.env.CATALOG), dagId);
  const triggers = version ? (storedSpec(version.specJson).triggers ?? []) : [];
  const secrets = triggers.flatMap((t) => (t.type === "webhook" ? [t.secret] : []));
  const vars = c.env as unknown as Record<string, unknown>;
  const headers = { timestamp: c.req.header(TIMESTAMP_HEADER), signature: c.req.header(SIGNATURE_HEADER) };
  let signature: string | undefined;
  let reason = "invalid signature or unknown webhook";
  for (const name of secrets) {
    const secret = vars[name];
    if (typeof secret !== "string" || secret === "") continue;
    const check = await verifyWebhook(secret, headers, raw, Date.now());
    if (check.ok) {
      signature = check.signature;
      break;
    }
    reason = check.reason;
  }
  if (signature === undefined) return unauthorized(reason);
  let body: unknown = null;
  if (raw.trim() !== "") {
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      return apiError(400, "invalid_json", "the webhook body must be JSON");
    }
  }
  const forwarded: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower !== SIGNATURE_HEADER && lower !== "authorization" && lower !== "cookie") forwarded[lower] = value;
  });
  const key = c.req.header(IDEMPOTENCY_HEADER);
  const runKey = key !== undefined && key !== "" ? `webhook-key:${key.slice(0, 200)}` : `webhook:${signature}`;
  const answer = await dagFor(c.env, dagId).event(dagId, { kind: "webhook", runKey, body, headers: forwarded, receivedAt: Date.now() });
  switch (answer.outcome) {
    case "started":
    case "existing":
      return c.json({ runId: answer.runId, status: answer.status, dagId }, answer.outcome === "started" ? 201 : 200);
    case "kept":
      return c.json({ runId: null, dagId, status: "paused", message: "the DAG is paused: the run starts when it is unpaused" }, 202);
    case "dropped":
      return c.json({ runId: null, dagId, status: "paused", message: "the DAG is paused and drops events (onPausedEvents: drop)" }, 202);
    default:
      return c.json({ runId: null, dagId, status: answer.outcome }, 202);
  }
});
