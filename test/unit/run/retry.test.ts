import { describe, expect, it } from "vitest";
import type { ResolvedRetry } from "../../../src/dag/plan";
import { retryDelayMs } from "../../../src/run/retry";

const policy = (p: Partial<ResolvedRetry>): ResolvedRetry => ({
  limit: 10,
  delayMs: 1_000,
  backoff: "exponential",
  maxDelayMs: 3_600_000,
  jitter: false,
  ...p,
});

describe("retryDelayMs", () => {
  it("constant: the same delay for every retry", () => {
    const p = policy({ backoff: "constant", delayMs: 5_000 });
    expect([1, 2, 3, 10].map((n) => retryDelayMs(p, n, 0.5))).toEqual([5_000, 5_000, 5_000, 5_000]);
  });

  it("linear: delay × retry number", () => {
    const p = policy({ backoff: "linear", delayMs: 2_000 });
    expect([1, 2, 3, 4].map((n) => retryDelayMs(p, n, 0.5))).toEqual([2_000, 4_000, 6_000, 8_000]);
  });

  it("exponential: delay doubles with each retry, starting at the base delay", () => {
    const p = policy({ backoff: "exponential", delayMs: 1_000 });
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(p, n, 0.5))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it("honours fractional-second delays", () => {
    expect(retryDelayMs(policy({ backoff: "constant", delayMs: 250 }), 3, 0)).toBe(250);
  });

  it("caps every delay at maxDelay", () => {
    const p = policy({ backoff: "exponential", delayMs: 1_000, maxDelayMs: 5_000 });
    expect([3, 4, 5, 100].map((n) => retryDelayMs(p, n, 0.5))).toEqual([4_000, 5_000, 5_000, 5_000]);
    expect(retryDelayMs(policy({ backoff: "linear", delayMs: 1_000, maxDelayMs: 2_500 }), 3, 0)).toBe(2_500);
  });

  it("without jitter the delay is exact whatever the random number", () => {
    const p = policy({ backoff: "linear", delayMs: 1_000, jitter: false });
    for (const r of [0, 0.25, 0.5, 0.999999]) expect(retryDelayMs(p, 2, r)).toBe(2_000);
  });

  it("with jitter spreads the delay within ±20 %", () => {
    const p = policy({ backoff: "constant", delayMs: 10_000, jitter: true });
    expect(retryDelayMs(p, 1, 0)).toBe(8_000);
    expect(retryDelayMs(p, 1, 0.5)).toBe(10_000);
    const high = retryDelayMs(p, 1, 0.999999);
    expect(high).toBeGreaterThan(11_990);
    expect(high).toBeLessThanOrEqual(12_000);
    for (let r = 0; r < 1; r += 0.01) {
      const d = retryDelayMs(p, 1, r);
      expect(d).toBeGreaterThanOrEqual(8_000);
      expect(d).toBeLessThanOrEqual(12_000);
    }
  });

  it("jitter never pushes a delay above maxDelay", () => {
    const p = policy({ backoff: "exponential", delayMs: 1_000, maxDelayMs: 5_000, jitter: true });
    expect(retryDelayMs(p, 10, 0.999999)).toBe(5_000);
    expect(retryDelayMs(p, 10, 0)).toBe(4_000);
  });

  it("returns whole milliseconds", () => {
    const d = retryDelayMs(policy({ backoff: "constant", delayMs: 1_001, jitter: true }), 1, 0.123);
    expect(Number.isInteger(d)).toBe(true);
  });
});
