/**
 * Posts the OpenLineage feed to `OPENLINEAGE_URL` (`<url>/api/v1/lineage`, Marquez's endpoint),
 * from the minute cron tick: the events after the target's cursor (a D1 row), in feed order, one
 * POST each; the cursor moves past an event only once the target accepted it (2xx), so a target
 * that is down gets the same events at the next tick (at least once; an event re-sent is the same
 * event: its run id is deterministic). Events younger than `SETTLE_MS` wait for the next tick, so
 * the history of a run still being flushed to the catalog is not skipped. Nothing is written on
 * the engine's hot path: the events are derived from the history the runs write anyway.
 */
import { forwardingCursor, saveForwardingCursor } from "../db/lineage";
import { decodeFeedCursor } from "./openlineage-feed";
import { readFeed } from "./openlineage-source";

/** Events read per page, and pages per tick (at most 2,000 events a minute). */
const PAGE = 200;
const PAGES_PER_TICK = 10;
/** How old an event must be before it is sent: its run's catalog writes have had time to land. */
export const SETTLE_MS = 60_000;
/** How long one POST may take. */
const POST_TIMEOUT_MS = 10_000;

/** The endpoint events are posted to. */
export function lineageEndpoint(url: string): string {
  const base = url.replace(/\/+$/, "");
  return base.endsWith("/api/v1/lineage") ? base : `${base}/api/v1/lineage`;
}

/** Forwards what is new in the feed; answers how many events were accepted and whether a POST failed. */
export async function forwardOpenLineage(env: Env, now = Date.now()): Promise<{ sent: number; failed: boolean }> {
  const url = env.OPENLINEAGE_URL;
  if (!url) return { sent: 0, failed: false };
  const endpoint = lineageEndpoint(url);
  const saved = await forwardingCursor(env.CATALOG, endpoint);
  let after = saved === undefined ? null : decodeFeedCursor(saved);
  let sent = 0;
  let cursor: string | undefined;
  let failed = false;
  pages: for (let page = 0; page < PAGES_PER_TICK; page++) {
    const feed = await readFeed(env, after, PAGE);
    for (const { cursor: at, event } of feed.events) {
      const point = decodeFeedCursor(at);
      if (point === null || point.at > now - SETTLE_MS) break pages;
      if (!(await post(endpoint, event))) {
        failed = true;
        break pages;
      }
      sent += 1;
      cursor = at;
      after = point;
    }
    if (!feed.more) break;
    // A page of points with no event (all skipped) still moves on.
    if (feed.events.length === 0 && feed.next !== null) after = decodeFeedCursor(feed.next);
  }
  if (cursor !== undefined) await saveForwardingCursor(env.CATALOG, endpoint, cursor, Date.now());
  return { sent, failed };
}

async function post(endpoint: string, event: unknown): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), POST_TIMEOUT_MS);
  try {
    const res = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event), signal: controller.signal });
    await res.body?.cancel();
    if (!res.ok) console.error(`OpenLineage: ${endpoint} answered ${res.status}; retrying at the next tick`);
    return res.ok;
  } catch (err) {
    console.error(`OpenLineage: posting to ${endpoint} failed; retrying at the next tick`, err);
    return false;
  } finally {
    clearTimeout(timer);
  }
}
