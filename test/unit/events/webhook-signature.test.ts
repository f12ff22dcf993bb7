import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "../../../src/events/webhook-signature";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const ts = String(NOW / 1000);

describe("webhook signatures", () => {
  it("HMAC-SHA256 over '<timestamp>.<body>' (a known vector)", async () => {
    // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(await signWebhook("secret", "1700000000", '{"a":1}')).toBe("49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
    const a = await signWebhook("secret", "1700000000", '{"a":1}');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await signWebhook("secret", "1700000001", '{"a":1}')).not.toBe(a);
    expect(await signWebhook("other", "1700000000", '{"a":1}')).not.toBe(a);
  });

  it("accepts the right signature within ±300 s, refuses everything else with a reason", async () => {
    const body = '{"order":1}';
    const sig = `sha256=${await signWebhook("k", ts, body)}`;
    expect((await verifyWebhook("k", { timestamp: ts, signature: sig }, body, NOW)).ok).toBe(true);
    expect((await verifyWebhook("k", { timestamp: ts, signature: sig.toUpperCase().replace("SHA256", "sha256") }, body, NOW)).ok).toBe(true);
    const refused = async (...args: Parameters<typeof verifyWebhook>) => {
      const r = await verifyWebhook(...args);
      return r.ok ? "accepted" : r.reason;
    };
    expect(await refused("k", { timestamp: ts, signature: sig }, '{"order":2}', NOW)).toBe("signature does not match");
    expect(await refused("other", { timestamp: ts, signature: sig }, body, NOW)).toBe("signature does not match");
    expect(await refused("k", { timestamp: ts, signature: sig }, body, NOW + 301_000)).toMatch(/more than 300 s/);
    expect(await refused("k", { timestamp: ts, signature: sig }, body, NOW - 301_000)).toMatch(/more than 300 s/);
    expect(await refused("k", { timestamp: undefined, signature: sig }, body, NOW)).toMatch(/timestamp/);
    expect(await refused("k", { timestamp: ts, signature: undefined }, body, NOW)).toMatch(/signature/);
    expect(await refused("k", { timestamp: ts, signature: "md5=abc" }, body, NOW)).toMatch(/malformed/);
  });
});
