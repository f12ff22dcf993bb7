import { useEffect, useRef } from "hono/jsx/dom";
import { nextPollDelay, POLL_MIN_MS } from "../lib/poll";

/**
 * Calls `tick` again and again while `active`: it answers whether anything changed, and the delay
 * follows `nextPollDelay` (quick on change, backing off when idle, slow in a hidden tab). A tab
 * becoming visible polls at once.
 */
export function usePoll(tick: () => Promise<boolean>, active: boolean): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return;
    let delay = POLL_MIN_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const run = async () => {
      let changed = false;
      try {
        changed = await (tickRef.current ?? (async () => false))();
      } catch {
        changed = false;
      }
      if (stopped) return;
      delay = nextPollDelay(delay, { changed, hidden: document.hidden });
      timer = setTimeout(() => void run(), delay);
    };
    const onVisible = () => {
      if (document.hidden || stopped) return;
      clearTimeout(timer);
      delay = POLL_MIN_MS;
      void run();
    };
    timer = setTimeout(() => void run(), delay);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [active]);
}
