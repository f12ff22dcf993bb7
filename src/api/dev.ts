import { Hono } from "hono";
import { z } from "zod";
import { R2NotificationSchema, type R2Notification } from "../events/r2-notification";
import { zodIssues } from "../lib/issues";
import { apiError } from "./errors";
import { readJson } from "./input";

const LOCAL_ACCOUNT = "local";

/**
 * `/api/dev/*`, only with `DEV_TOOLS = "on"` (which `npm start` sets; production leaves it off,
 * and then these answer 404): `wrangler dev` emits no R2 event notifications, so these send the
 * ones Cloudflare would send through the same `switchyard-events` queue.
 */
export const devApi = new Hono<{ Bindings: Env }>()
  .use("*", async (c, next) => {
    if (c.env.DEV_TOOLS !== "on") return apiError(404, "not_found", `no route ${c.req.method} ${c.req.path}`);
    await next();
  })
  /** One notification body, or an array of them, sent to the events queue as they are. */
  .post("/r2-events", async (c) => {
    const { value } = await readJson(c);
    const list = Array.isArray(value) ? value : [value];
    const parsed = z.array(R2NotificationSchema).min(1).max(100).safeParse(list);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error).map((i) => ({ ...i, path: Array.isArray(value) ? i.path : i.path.replace(/^\[0\]\.?/, "") || "(body)" }));
      return apiError(400, "invalid_notification", issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
    }
    await c.env.EVENTS.sendBatch(parsed.data.map((body) => ({ body, contentType: "json" as const })));
    return c.json({ sent: parsed.data.length }, 202);
  })
  /** Stores the body in the local `UPLOADS` bucket and sends the `PutObject` notification Cloudflare would send. */
  .put("/r2/:bucket/:key{.+}", async (c) => {
    const bucket = c.req.param("bucket");
    const key = c.req.param("key");
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
      return apiError(400, "invalid_request", "bucket: must be an R2 bucket name (3–63 lower-case letters, digits and -)", [{ path: "bucket", message: "must be an R2 bucket name" }]);
    }
    const stored = await c.env.UPLOADS.put(key, await c.req.arrayBuffer(), { httpMetadata: { contentType: c.req.header("content-type") ?? "application/octet-stream" } });
    const notification: R2Notification = {
      account: LOCAL_ACCOUNT,
      action: "PutObject",
      bucket,
      object: { key, size: stored.size, eTag: stored.etag },
      eventTime: new Date().toISOString(),
    };
    await c.env.EVENTS.send(notification, { contentType: "json" });
    return c.json({ stored: { bucket, key, size: stored.size, eTag: stored.etag }, notification }, 201);
  });
