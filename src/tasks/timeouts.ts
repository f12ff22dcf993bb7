/**
 * The timeouts of every attempt one invocation runs, on a single timer armed
 * for the earliest deadline. In workerd a timer per attempt cost more than a
 * quick task itself (BENCHMARKS.md); a chain of attempts with equal timeouts
 * needs one timer per timeout period, not one per attempt. Timers belong to
 * the invocation that set them (workerd drops them when it ends), so a watch
 * serves one invocation and is never shared across invocations.
 */
export class TimeoutWatch {
  private readonly active = new Map<number, { at: number; expire: () => void }>();
  private nextId = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt: number | undefined;

  /** Calls `expire` once `at` (epoch ms) has passed, unless the returned release is called first. */
  add(at: number, expire: () => void): () => void {
    const id = this.nextId++;
    this.active.set(id, { at, expire });
    if (this.armedAt === undefined || at < this.armedAt) this.arm(at);
    // Released deadlines leave the timer armed: the next attempt of a chain (a later deadline)
    // then needs no timer of its own; a timer that fires with nothing overdue just re-arms or stops.
    return () => {
      this.active.delete(id);
    };
  }

  /** Stops watching (the invocation is done): clears the timer. */
  close(): void {
    this.active.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }

  /** Deadlines still watched. */
  get size(): number {
    return this.active.size;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = undefined;
    const now = Date.now();
    let earliest: number | undefined;
    for (const [id, d] of this.active) {
      if (d.at <= now) {
        this.active.delete(id);
        d.expire();
      } else if (earliest === undefined || d.at < earliest) {
        earliest = d.at;
      }
    }
    if (earliest !== undefined) this.arm(earliest);
  }
}
