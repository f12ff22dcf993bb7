import { afterEach, describe, expect, it, vi } from "vitest";
import { runAttempt } from "../../../src/tasks";
import { httpRetryAdvice } from "../../../src/tasks/http";
import { orderFor } from "./orders";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

describe("httpRetryAdvice", () => {
  it("a 4xx other than 408 and 429 is permanent: the same request gets the same answer", () => {
    for (const status of [400, 401, 403, 404, 405, 409, 410, 413, 422, 451, 499]) {
      expect(httpRetryAdvice(status, null, NOW), String(status)).toEqual({ retryable: false });
    }
  });

  it("408, 429 and every 5xx are retryable", () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) {
      expect(httpRetryAdvice(status, null, NOW), String(status)).toEqual({});
    }
  });

  it("429 and 503 with Retry-After ask for its wait, in seconds or as a date", () => {
    expect(httpRetryAdvice(429, "120", NOW)).toEqual({ retryAfterMs: 120_000 });
    expect(httpRetryAdvice(503, "Sat, 28 Nov 2026 12:00:10 GMT", NOW)).toEqual({ retryAfterMs: 10_000 });
  });

  it("other statuses ignore Retry-After, and a garbled header asks for nothing", () => {
    expect(httpRetryAdvice(500, "120", NOW)).toEqual({});
    expect(httpRetryAdvice(404, "120", NOW)).toEqual({ retryable: false });
    expect(httpRetryAdvice(429, "later", NOW)).toEqual({});
  });
});

describe("http tasks: the attempt's error says whether to retry", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const env = {} as Env;
  const order = () => orderFor<"http">({ type: "http", request: { url: "https://far.test/x" } });
  const answer = (res: () => Response) => vi.stubGlobal("fetch", vi.fn(async () => res()));

  it("a 404 fails for good", async () => {
    answer(() => new Response("no such thing", { status: 404 }));
    const outcome = await runAttempt(order(), env);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatchObject({ code: "http_status", retryable: false });
    expect(outcome.error?.message).toContain("HTTP 404");
  });

  it("a 429 with Retry-After is retried after its wait", async () => {
    answer(() => new Response("slow down", { status: 429, headers: { "retry-after": "7" } }));
    const outcome = await runAttempt(order(), env);
    expect(outcome.error).toMatchObject({ code: "http_status", retryAfterMs: 7_000 });
    expect(outcome.error).not.toHaveProperty("retryable");
  });

  it("a 503 without Retry-After and a 408 are retryable with no wait of their own", async () => {
    for (const status of [503, 408]) {
      answer(() => new Response("busy", { status }));
      const outcome = await runAttempt(order(), env);
      expect(outcome.error?.code).toBe("http_status");
      expect(outcome.error).not.toHaveProperty("retryable");
      expect(outcome.error).not.toHaveProperty("retryAfterMs");
    }
  });

  it("a network error is retryable", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("connection refused"))));
    const outcome = await runAttempt(order(), env);
    expect(outcome.error).toEqual({ code: "network", message: "request failed: connection refused" });
  });
});
