import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TimeoutWatch } from "../../../src/tasks/timeouts";

describe("TimeoutWatch: every attempt's timeout on one timer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires each deadline when it passes, and only the ones that passed", () => {
    const watch = new TimeoutWatch();
    const expired: string[] = [];
    const t0 = Date.now();
    watch.add(t0 + 300, () => expired.push("c"));
    watch.add(t0 + 100, () => expired.push("a"));
    watch.add(t0 + 200, () => expired.push("b"));
    vi.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(["a", "b"]);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(["a", "b", "c"]);
    expect(watch.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never expires a released deadline, and stops once nothing is watched", () => {
    const watch = new TimeoutWatch();
    const expire = vi.fn();
    const release = watch.add(Date.now() + 100, expire);
    release();
    vi.advanceTimersByTime(1_000);
    expect(expire).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("arms one timer for a chain of attempts with the same timeout, and still expires a stuck one", () => {
    const watch = new TimeoutWatch();
    const expired: number[] = [];
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    // 100 attempts one after another, 2 ms each, each released before the next starts.
    for (let i = 0; i < 100; i++) {
      const release = watch.add(Date.now() + 10_000, () => expired.push(i));
      vi.advanceTimersByTime(2);
      release();
    }
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    // The 101st never finishes: it expires 10 s after it started.
    const stuckAt = Date.now();
    watch.add(stuckAt + 10_000, () => expired.push(100));
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual([100]);
    expect(Date.now()).toBe(stuckAt + 10_000);
    setTimeoutSpy.mockRestore();
  });

  it("close() stops everything: no expiry and no timer left", () => {
    const watch = new TimeoutWatch();
    const expire = vi.fn();
    watch.add(Date.now() + 100, expire);
    watch.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(expire).not.toHaveBeenCalled();
  });

  it("re-arms for a later deadline after the earliest was released", () => {
    const watch = new TimeoutWatch();
    const expired: string[] = [];
    const early = watch.add(Date.now() + 100, () => expired.push("early"));
    watch.add(Date.now() + 500, () => expired.push("late"));
    early();
    vi.advanceTimersByTime(499);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["late"]);
  });
});
