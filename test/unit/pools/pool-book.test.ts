import { describe, expect, it } from "vitest";
import { leaseId, PoolBook, type LeaseRequest } from "../../../src/pools/pool-book";

/**
 * A pool's book (pure): at most `slots` held at once across every run, waiting
 * leases granted by priority then age, repeats never counted twice, a resize
 * that grants or refuses, and the checks that free a holder whose run lost it.
 */

const T0 = 1_000_000;
let n = 0;
function req(runId: string, taskKey: string, over: Partial<LeaseRequest> = {}): LeaseRequest {
  return { runId, taskKey, attempt: 1, slots: 1, priority: 1, requestedAt: T0 + n++, ...over };
}
const held = (book: PoolBook) => book.holders().map((l) => `${l.runId}/${l.taskKey}`);

describe("pool book", () => {
  it("grants at most `slots` across runs; a release grants the oldest waiting lease", () => {
    const book = new PoolBook(2);
    const a = req("r1", "a");
    const b = req("r2", "b");
    const c = req("r3", "c");
    const first = book.update([], [a, b, c], T0);
    expect(first.granted.map((l) => l.taskKey)).toEqual(["a", "b"]);
    expect(book.used).toBe(2);
    expect(book.queued).toBe(1);
    const next = book.update([a], [], T0 + 10);
    expect(next.granted.map((l) => l.taskKey)).toEqual(["c"]);
    expect(held(book)).toEqual(["r2/b", "r3/c"]);
    expect(book.get(leaseId(c))?.since).toBe(T0 + 10);
  });

  it("orders waiting leases by priorityWeight, then by the time their task became ready", () => {
    const book = new PoolBook(1);
    book.update([], [req("r0", "holder")], T0);
    const low = req("r1", "low", { priority: 1, requestedAt: T0 + 1 });
    const highLate = req("r2", "highLate", { priority: 5, requestedAt: T0 + 3 });
    const highEarly = req("r3", "highEarly", { priority: 5, requestedAt: T0 + 2 });
    book.update([], [low, highLate, highEarly], T0);
    expect(book.waiting().map((l) => l.taskKey)).toEqual(["highEarly", "highLate", "low"]);
    const order: string[] = [];
    let releasing = req("r0", "holder");
    for (let i = 0; i < 3; i++) {
      const g = book.update([releasing], [], T0 + 10 + i).granted;
      const lease = g[0];
      if (!lease) throw new Error("nothing granted");
      order.push(lease.taskKey);
      releasing = lease;
    }
    expect(order).toEqual(["highEarly", "highLate", "low"]);
  });

  it("a repeated acquire or release changes nothing (keyed by run, task and attempt)", () => {
    const book = new PoolBook(1);
    const a = req("r1", "a");
    book.update([], [a], T0);
    const again = book.update([], [a, { ...a }], T0 + 1);
    expect(again.granted).toEqual([]);
    expect(book.used).toBe(1);
    expect(book.queued).toBe(0);
    book.update([a], [], T0 + 2);
    book.update([a], [], T0 + 3);
    expect(book.used).toBe(0);
    // The next attempt of the same task is a new lease.
    expect(book.update([], [{ ...a, attempt: 2 }], T0 + 4).granted).toHaveLength(1);
  });

  it("poolSlots: a lease holds that many slots; a big lease at the head is not overtaken by small ones", () => {
    const book = new PoolBook(3);
    book.update([], [req("r1", "one", { slots: 2 })], T0);
    book.update([], [req("r2", "big", { slots: 3 }), req("r3", "small")], T0);
    // One slot is free, but `big` is first in line: `small` waits behind it.
    expect(book.used).toBe(2);
    expect(book.waiting().map((l) => l.taskKey)).toEqual(["big", "small"]);
    const g = book.update([req("r1", "one", { slots: 2 })], [], T0 + 1).granted;
    expect(g.map((l) => l.taskKey)).toEqual(["big"]);
    expect(book.used).toBe(3);
  });

  it("refuses, without keeping it, a lease for more slots than the pool has or for a pool that does not exist", () => {
    const book = new PoolBook(2);
    const big = req("r1", "big", { slots: 3 });
    const change = book.update([], [big], T0);
    expect(change.refused.map((l) => l.error)).toEqual(["poolSlots 3 is more than the pool's 2 slots"]);
    expect(book.answerFor("r1", [big], change).refused).toEqual([
      { runId: "r1", taskKey: "big", attempt: 1, message: "poolSlots 3 is more than the pool's 2 slots" },
    ]);
    expect(book.queued).toBe(0);
    const none = new PoolBook(undefined);
    expect(none.update([], [req("r1", "x")], T0).refused.map((l) => l.error)).toEqual(["the pool does not exist"]);
  });

  it("growing grants waiting leases; shrinking keeps holders until they release and grants nothing meanwhile", () => {
    const book = new PoolBook(1);
    book.update([], [req("r1", "a"), req("r2", "b"), req("r3", "c")], T0);
    expect(book.configure(3, T0 + 1).change.granted.map((l) => l.taskKey)).toEqual(["b", "c"]);
    book.update([], [req("r4", "d")], T0 + 2);
    expect(book.configure(1, T0 + 3).change.granted).toEqual([]);
    expect(book.used).toBe(3); // nothing revoked
    book.update([req("r1", "a")], [], T0 + 4);
    book.update([req("r2", "b")], [], T0 + 5);
    expect(book.queued).toBe(1); // 1 used of 1: d still waits
    const g = book.update([req("r3", "c")], [], T0 + 6).granted;
    expect(g.map((l) => l.taskKey)).toEqual(["d"]);
  });

  it("a shrink below a waiting lease's poolSlots refuses it, and its run is told once", () => {
    const book = new PoolBook(2);
    book.update([], [req("r1", "a"), req("r2", "two", { slots: 2 })], T0);
    expect(book.queued).toBe(1); // fits the pool, waits for `a`
    book.configure(1, T0 + 1); // can never fit now
    const notices = book.notices();
    expect([...notices.keys()]).toEqual(["r1", "r2"]);
    const r2 = notices.get("r2") ?? [];
    expect(r2.map((l) => [l.taskKey, l.status, l.error])).toEqual([["two", "refused", "poolSlots 2 is more than the pool's 1 slots"]]);
    book.noticesDelivered(r2);
    book.noticesDelivered(notices.get("r1") ?? []);
    expect(book.notices().size).toBe(0);
    expect(book.get(leaseId(req("r2", "two")))).toBeUndefined();
  });

  it("answers the calling run its own grants, including one its release let through", () => {
    const book = new PoolBook(1);
    const a = req("r1", "a");
    const b = req("r1", "b");
    const other = req("r2", "x");
    book.update([], [a, b], T0);
    book.update([], [other], T0);
    const change = book.update([a], [], T0 + 1);
    expect(book.answerFor("r1", [], change).granted.map((l) => l.taskKey)).toEqual(["b"]);
    expect(book.notices().size).toBe(0); // r1 was answered; nothing to call back
  });

  it("holders are checked once per interval; one no longer held is freed and the next lease granted", () => {
    const book = new PoolBook(1);
    const a = req("r1", "a");
    book.update([], [a, req("r2", "b")], T0);
    expect(book.dueChecks(T0 + 500, 1_000)).toEqual([]);
    expect(book.nextCheckAt(1_000)).toBe(T0 + 1_000);
    expect(book.dueChecks(T0 + 1_000, 1_000).map((l) => l.taskKey)).toEqual(["a"]);
    book.markChecked([leaseId(a)], T0 + 1_000);
    expect(book.nextCheckAt(1_000)).toBe(T0 + 2_000);
    const change = book.releaseIds([leaseId(a)], T0 + 2_000);
    expect(change.granted.map((l) => l.taskKey)).toEqual(["b"]);
  });

  it("rebuilt from its stored leases it grants in the same order", () => {
    const book = new PoolBook(1);
    book.update([], [req("r1", "a")], T0);
    book.update([], [req("r2", "b", { priority: 2 }), req("r3", "c", { priority: 2 }), req("r4", "d")], T0);
    const stored = [...book.holders(), ...book.waiting()].map((l) => structuredClone(l));
    const again = new PoolBook(1, stored);
    expect(again.used).toBe(1);
    expect(again.waiting().map((l) => l.taskKey)).toEqual(["b", "c", "d"]);
    expect(again.update([req("r1", "a")], [], T0 + 1).granted.map((l) => l.taskKey)).toEqual(["b"]);
  });
});
