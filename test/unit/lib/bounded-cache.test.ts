import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../../src/lib/bounded-cache";

describe("BoundedCache", () => {
  it("never holds more than its capacity, evicting the least recently used entry", () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // "a" is now the most recently used
    cache.set("c", 3);
    expect(cache.size).toBe(2);
    expect(cache.has("b")).toBe(false);
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
  });

  it("overwriting a key does not grow the cache", () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set("a", 1);
    cache.set("a", 2);
    cache.set("b", 3);
    expect(cache.size).toBe(2);
    expect(cache.get("a")).toBe(2);
  });

  it("getOrSet computes a missing value once and serves it from then on", () => {
    const cache = new BoundedCache<string, { n: number }>(2);
    let made = 0;
    const make = (key: string) => ({ n: key.length + made++ });
    const first = cache.getOrSet("abc", make);
    expect(cache.getOrSet("abc", make)).toBe(first);
    expect(made).toBe(1);
    expect(first).toEqual({ n: 3 });
  });

  it("rejects a capacity below 1", () => {
    expect(() => new BoundedCache<string, number>(0)).toThrow(RangeError);
  });
});
