/**
 * A least-recently-used cache with a fixed number of entries.
 *
 * A `Map` keeps insertion order, so re-inserting on every hit makes its first
 * key the least recently used one: eviction is O(1) with no linked list.
 * Bounded because the keys are user-written (expressions, templates, DAG specs); an
 * isolate that lives for hours must not grow without limit.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Returns the cached value and marks it most recently used. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores a value, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** The cached value, or `make(key)` stored first (a value of `undefined` is never cached). */
  getOrSet(key: K, make: (key: K) => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = make(key);
    this.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }
}
