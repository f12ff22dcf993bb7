import { formatInZone } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { StateBadge } from "./state";

export interface BackfillItem {
  backfillId: string;
  status: string;
  request: unknown;
  counts: unknown;
  createdAt: string | null;
}

const req = (r: unknown) => (typeof r === "object" && r !== null ? (r as { from?: string; to?: string; reprocess?: string; newestFirst?: boolean }) : {});

/** A DAG's backfills, newest first: window, reprocess, status, progress, each a link to its page. */
export function BackfillsList(props: { backfills: BackfillItem[] | null; timezone: string }) {
  const list = props.backfills;
  if (list === null) return <p class="muted">Loading backfills…</p>;
  if (list.length === 0) return <p class="muted">No backfills yet.</p>;
  return (
    <table class="plain backfills">
      <thead>
        <tr>
          <th scope="col">Backfill</th>
          <th scope="col">State</th>
          <th scope="col">Dates</th>
          <th scope="col">Reprocess</th>
          <th scope="col">Progress</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {list.map((b) => {
          const r = req(b.request);
          const counts = (typeof b.counts === "object" && b.counts !== null ? b.counts : {}) as Record<string, number>;
          const total = Object.values(counts).reduce((a, n) => a + n, 0);
          const done = (counts.success ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
          return (
            <tr data-backfill={b.backfillId}>
              <td>
                <a class="mono" href={hrefs.backfill(b.backfillId)}>
                  {b.backfillId}
                </a>
              </td>
              <td>
                <StateBadge status={b.status} />
              </td>
              <td>{`${r.from ?? "?"} → ${r.to ?? "?"}${r.newestFirst ? " (newest first)" : ""}`}</td>
              <td>{r.reprocess ?? "missing"}</td>
              <td>{`${done} of ${total} done`}</td>
              <td title={b.createdAt ?? ""}>{formatInZone(b.createdAt, props.timezone)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
