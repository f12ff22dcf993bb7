import { describe, expect, it } from "vitest";
import { R2NotificationSchema, r2EventType, r2ObjectIdentity, r2TriggerMatches } from "../../../src/events/r2-notification";

const put = { account: "acc", action: "PutObject" as const, bucket: "landing", object: { key: "in/2026/orders.csv", size: 10, eTag: "e1" }, eventTime: "2026-12-01T10:00:00Z" };

describe("R2 notifications", () => {
  it("parse Cloudflare's message shape; deletes carry no size or eTag", () => {
    expect(R2NotificationSchema.safeParse(put).success).toBe(true);
    expect(R2NotificationSchema.safeParse({ ...put, action: "DeleteObject", object: { key: "x" } }).success).toBe(true);
    expect(R2NotificationSchema.safeParse({ ...put, action: "Rename" }).success).toBe(false);
    expect(R2NotificationSchema.safeParse({ ...put, object: {} }).success).toBe(false);
  });

  it("actions map to object-create and object-delete", () => {
    expect(["PutObject", "CopyObject", "CompleteMultipartUpload"].map((a) => r2EventType(a as never))).toEqual(["object-create", "object-create", "object-create"]);
    expect(["DeleteObject", "LifecycleDeletion"].map((a) => r2EventType(a as never))).toEqual(["object-delete", "object-delete"]);
  });

  it("a trigger matches by bucket, prefix, suffix and event type (create by default)", () => {
    const t = { type: "r2" as const, bucket: "landing", prefix: "in/", suffix: ".csv" };
    expect(r2TriggerMatches(t, put)).toBe(true);
    expect(r2TriggerMatches(t, { ...put, bucket: "other" })).toBe(false);
    expect(r2TriggerMatches(t, { ...put, object: { ...put.object, key: "out/orders.csv" } })).toBe(false);
    expect(r2TriggerMatches(t, { ...put, object: { ...put.object, key: "in/orders.json" } })).toBe(false);
    expect(r2TriggerMatches(t, { ...put, action: "DeleteObject" })).toBe(false);
    expect(r2TriggerMatches({ ...t, events: ["object-delete"] }, { ...put, action: "DeleteObject" })).toBe(true);
  });

  it("one object version is one identity: (bucket, key, eTag) for creates, (bucket, key, time) for deletes", () => {
    expect(r2ObjectIdentity(put)).toBe(r2ObjectIdentity({ ...put, action: "CopyObject", eventTime: "later" }));
    expect(r2ObjectIdentity(put)).not.toBe(r2ObjectIdentity({ ...put, object: { ...put.object, eTag: "e2" } }));
    const del = { ...put, action: "DeleteObject" as const, object: { key: put.object.key } };
    expect(r2ObjectIdentity(del)).not.toBe(r2ObjectIdentity({ ...del, eventTime: "2026-12-02T00:00:00Z" }));
  });
});
