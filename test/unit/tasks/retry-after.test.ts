import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS } from "../../../src/run/rpc";
import { parseHttpDate, parseRetryAfter } from "../../../src/tasks/retry-after";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0); // Sat, 28 Nov 2026 12:00:00 GMT

describe("parseRetryAfter", () => {
  it("reads delay-seconds as milliseconds", () => {
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 5 ", NOW)).toBe(5_000);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(parseRetryAfter("Sat, 28 Nov 2026 12:01:30 GMT", NOW)).toBe(90_000);
  });

  it("a date already past asks for no wait", () => {
    expect(parseRetryAfter("Sat, 28 Nov 2026 11:00:00 GMT", NOW)).toBe(0);
  });

  it("caps a wait at one hour, in seconds or as a date", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
    expect(parseRetryAfter("86400", NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("99999999999999999999", NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("Fri, 01 Jan 2027 00:00:00 GMT", NOW)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("is undefined when the header is absent", () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it("is undefined for garbage, including what Date.parse would leniently accept", () => {
    for (const garbage of ["", "soon", "1.5", "-5", "5s", "foo 12", "abc 2020", "2026-11-28T12:01:00Z", "Sat, 28 Nov 2026 12:01:30"]) {
      expect(parseRetryAfter(garbage, NOW), garbage).toBeUndefined();
    }
  });
});

describe("parseHttpDate", () => {
  it("reads the three forms RFC 9110 asks recipients to accept", () => {
    const at = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).toBe(at);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).toBe(at);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994", NOW)).toBe(at);
  });

  it("puts a two-digit year within 50 years of now", () => {
    expect(parseHttpDate("Monday, 30-Nov-26 12:00:00 GMT", NOW)).toBe(Date.UTC(2026, 10, 30, 12, 0, 0));
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it("refuses impossible dates and times", () => {
    expect(parseHttpDate("Tue, 31 Feb 2026 12:00:00 GMT", NOW)).toBeUndefined();
    expect(parseHttpDate("Sat, 28 Nov 2026 25:00:00 GMT", NOW)).toBeUndefined();
    expect(parseHttpDate("Sat, 28 Foo 2026 12:00:00 GMT", NOW)).toBeUndefined();
  });
});
