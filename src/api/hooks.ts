import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { storedSpec } from "../dag/compiled";
import { IdSchema } from "../dag/id";
import { dagFor } from "../dags/client";
import { catalog, latestDagVersion } from "../db/catalog";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from "../events/webhook-signature";
import { apiError } from "./errors";

/** Bodies past this are refused with 413 before they are read whole. */
export const MAX_HOOK_BODY_BYTES = 1_048_576;
const IDEMPOTENCY_HEADER = "idempotency-key";

const unauthorized = (message: string): never => apiError(401, "unauthorized", message);

/**
 * `POST /hooks/{dagId}`: a signed webhook starts a run of a DAG with a `webhook` trigger. The
 * signature is the credential (no API token). Every refusal — unknown DAG, no webhook trigger,
 * missing, stale or wrong signature — is the same 401, so the endpoint tells an outsider nothing.
 * The same signed request again (a replay within the window) or the same `Idempotency-Key`
 * answers 200 with the first run.
 */
export const hooksApi = new Hono<{ Bindings: Env }>().post(
  "/:dagId",
  // Refused before it is read whole (also a body without a content length).
  bodyLimit({ maxSize: MAX_HOOK_BODY_BYTES, onError: () => apiError(413, "payload_too_large", `webhook bodies are limited to ${MAX_HOOK_BODY_BYTES} bytes`) }),
  async (c) => {
    const dagId = c.req.param("dagId");
    const raw = await c.req.text();
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
  },
);
