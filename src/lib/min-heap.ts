/** A binary min-heap ordered by `at` (a time): the run index's timer queue. */
export class MinHeap<T extends { at: number }> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent];
      if (!p || p.at <= item.at) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      let smallestAt = last.at;
      const left = a[l];
      const right = a[r];
      if (left && left.at < smallestAt) {
        smallest = l;
        smallestAt = left.at;
      }
      if (right && right.at < smallestAt) smallest = r;
      if (smallest === i) break;
      const child = a[smallest];
      if (!child) break;
      a[i] = child;
      i = smallest;
    }
    a[i] = last;
    return top;
  }
}
