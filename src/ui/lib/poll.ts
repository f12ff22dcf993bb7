/**
 * How long a live page waits before polling again. Quick while something changes and the tab is
 * visible; backing off (doubling) while nothing changes; slow while the tab is hidden, so a page
 * left open never hammers the API. Pure.
 */
export const POLL_MIN_MS = 1_000;
export const POLL_MAX_MS = 10_000;
export const POLL_HIDDEN_MS = 30_000;

export function nextPollDelay(previousMs: number, opts: { changed: boolean; hidden: boolean }): number {
  if (opts.hidden) return POLL_HIDDEN_MS;
  if (opts.changed) return POLL_MIN_MS;
  return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, Math.round(previousMs * 1.5)));
}
