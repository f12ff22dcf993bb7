import type { Offer } from "./events";
import { startAttempt } from "./attempts";
import { plannedFor, type Tx } from "./tx";
import { changed } from "./tx";

/**
 * Dispatch and continuation: the attempts that became ready go back to the
 * worker that offered room (up to `offer.capacity`, those whose timeout ends
 * inside its budget), already leased to it; the rest go to the queue as one
 * `DispatchAttempts` command, each with a dispatch lease in case the message is lost.
 */
export function dispatchReady(tx: Tx, offer: Offer): void {
  const { ctx, fx } = tx;
  let room = offer.capacity;
  const queued: Array<{ taskKey: string; attempt: number }> = [];
  for (const t of tx.ready) {
    if (t.status !== "queued") continue; // cancelled or cleared within the same transition
    if (room > 0 && (offer.until === undefined || ctx.now + plannedFor(tx.plan, t).timeoutMs <= offer.until)) {
      room--;
      fx.reply.handBack.push(startAttempt(tx, t, "continuation"));
    } else {
      t.deadline = ctx.now + ctx.config.dispatchLeaseMs;
      changed(tx, t);
      queued.push({ taskKey: t.key, attempt: t.attempt });
    }
  }
  tx.ready = [];
  if (queued.length > 0) fx.commands.push({ type: "DispatchAttempts", refs: queued });
}
