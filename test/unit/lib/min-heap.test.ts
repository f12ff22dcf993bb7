import { describe, expect, it } from "vitest";
import { MinHeap } from "../../../src/lib/min-heap";

describe("MinHeap", () => {
  it("pops items in time order, whatever order they were pushed in (duplicates kept)", () => {
    const heap = new MinHeap<{ at: number; id: number }>();
    const times = [50, 10, 40, 10, 30, 20, 60, 0, 35, 25];
    times.forEach((at, id) => heap.push({ at, id }));
    expect(heap.size).toBe(times.length);
    expect(heap.peek()?.at).toBe(0);
    const out: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) out.push(item.at);
    expect(out).toEqual([...times].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });

  it("stays ordered under interleaved pushes and pops (checked against a sorted list)", () => {
    const heap = new MinHeap<{ at: number }>();
    const model: number[] = [];
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 2_000; i++) {
      if (next() % 3 === 0 && model.length > 0) {
        model.sort((a, b) => a - b);
        expect(heap.pop()?.at).toBe(model.shift());
      } else {
        const at = next() % 1_000;
        heap.push({ at });
        model.push(at);
      }
    }
    expect(heap.size).toBe(model.length);
  });
});
