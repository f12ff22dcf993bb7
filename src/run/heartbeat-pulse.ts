import type { TimeoutWatch } from "../tasks/timeouts";
import { coordinatorFor } from "./client";
import type { ClaimedRef } from "./types";

/** How often a worker tells coordinators which of their attempts it still runs (`HEARTBEAT_MS`). */
export const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * One invocation's heartbeats: while it runs attempts, it tells each run's
 * coordinator every `HEARTBEAT_MS` which of them are still running, in one
 * RPC per run, so a lease can be short (`HEARTBEAT_TIMEOUT_MS`) and a worker
 * that died is noticed within it, not after the task's whole timeout. The
 * beats ride on the invocation's timeout watch (its one timer), so they add
 * no timer where an attempt's own timeout is due no earlier; a beat with
 * nothing running sends nothing and schedules no next one, so an attempt
 * that ends within one period costs no RPC at all.
 */
export class HeartbeatPulse {
  private readonly running = new Map<string, Map<string, { ref: ClaimedRef; stop?: () => void }>>();
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly env: Env,
    private readonly watch: TimeoutWatch,
    private readonly intervalMs: number = DEFAULT_HEARTBEAT_MS,
  ) {}

  /**
   * An attempt of `runId` started running here; the returned function says it ended. `stop` is
   * called when a heartbeat's answer says the run no longer wants it (cancelled, cleared, lost).
   */
  add(runId: string, ref: ClaimedRef, stop?: () => void): () => void {
    const key = `${ref.taskKey}#${ref.attempt}`;
    let refs = this.running.get(runId);
    if (!refs) {
      refs = new Map();
      this.running.set(runId, refs);
    }
    refs.set(key, stop === undefined ? { ref } : { ref, stop });
    this.schedule();
    return () => {
      const list = this.running.get(runId);
      list?.delete(key);
      if (list && list.size === 0) this.running.delete(runId);
    };
  }

  /** The invocation is done: no beat follows (its timeout watch closes with it). */
  close(): void {
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    this.watch.add(Date.now() + this.intervalMs, () => {
      this.scheduled = false;
      if (this.closed || this.running.size === 0) return;
      this.beat();
      this.schedule();
    });
  }

  private beat(): void {
    for (const [runId, refs] of this.running) {
      // A lost heartbeat is only a shorter lease: the next one (or the report) follows.
      coordinatorFor(this.env, runId)
        .heartbeat([...refs.values()].map((r) => r.ref))
        .then(({ ignored }) => {
          // The run no longer wants these attempts: stop the work instead of finishing it for nothing.
          for (const r of ignored) refs.get(`${r.taskKey}#${r.attempt}`)?.stop?.();
        })
        .catch((err: unknown) => console.error(`run ${runId}: heartbeat failed`, err));
    }
  }
}
