import { z } from "zod";
import { r2Events, type R2EventType, type R2Trigger } from "./trigger-spec";

/**
 * An R2 event notification as Cloudflare delivers it to a queue:
 * `{ account, action, bucket, object: { key, size?, eTag? }, eventTime, copySource? }`.
 * `size` and `eTag` are absent on deletes.
 */
export const R2NotificationSchema = z.object({
  account: z.string().min(1).max(64),
  action: z.enum(["PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "LifecycleDeletion"]),
  bucket: z.string().min(1).max(63),
  object: z.object({
    key: z.string().min(1).max(1_024),
    size: z.number().int().min(0).optional(),
    eTag: z.string().min(1).max(256).optional(),
  }),
  eventTime: z.string().min(1).max(64),
  copySource: z.object({ bucket: z.string(), object: z.string() }).optional(),
});
export type R2Notification = z.infer<typeof R2NotificationSchema>;

/** The event type a notification's action belongs to. */
export function r2EventType(action: R2Notification["action"]): R2EventType {
  return action === "DeleteObject" || action === "LifecycleDeletion" ? "object-delete" : "object-create";
}

/** Whether a DAG's R2 trigger wants this notification: its bucket, prefix, suffix and event types. */
export function r2TriggerMatches(t: R2Trigger, n: R2Notification): boolean {
  if (t.bucket !== n.bucket) return false;
  if (t.prefix !== undefined && !n.object.key.startsWith(t.prefix)) return false;
  if (t.suffix !== undefined && !n.object.key.endsWith(t.suffix)) return false;
  return r2Events(t).includes(r2EventType(n.action));
}

/**
 * One object version: (bucket, key, eTag) for a create, (bucket, key, eventTime) for a delete
 * (which has no eTag). Queues deliver at least once: this is what makes a second delivery, or a
 * second notification rule for the same object, start nothing new.
 */
export function r2ObjectIdentity(n: R2Notification): string {
  const version = r2EventType(n.action) === "object-delete" ? `deleted@${n.eventTime}` : `etag:${n.object.eTag ?? `${n.eventTime}`}`;
  return `${n.bucket}/${n.object.key}#${version}`;
}

/** What a run's `trigger.object` (or each of `trigger.objects`) holds. */
export function r2ObjectDetail(n: R2Notification) {
  return {
    bucket: n.bucket,
    key: n.object.key,
    size: n.object.size ?? null,
    eTag: n.object.eTag ?? null,
    action: n.action,
    eventTime: n.eventTime,
  };
}
export type R2ObjectDetail = ReturnType<typeof r2ObjectDetail>;
