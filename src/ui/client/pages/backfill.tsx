import { useEffect, useState } from "hono/jsx/dom";
import { backfillProgress, isBackfillActive } from "../../lib/backfill-progress";
import { stateClass, stateLabel } from "../../lib/states";
import { formatInZone } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { api, read } from "../api";
import { Confirm } from "../components/confirm";
import { StateBadge } from "../components/state";
import { usePoll } from "../live";
import { mountPage, pageParam } from "../mount";

const backfillId = pageParam("backfillid");

type View = Awaited<ReturnType<typeof read<Awaited<ReturnType<(typeof api.api.backfills)[":backfillId"]["$get"]>>>>>;

/**
 * A backfill: its request, counts, and progress per date (state as text and colour, a link to
 * each date's run), live while it runs (polling with the back-off helper), and Cancel behind a
 * confirmation.
 */
function BackfillPage() {
  const [view, setView] = useState<View | null>(null);
  const [timezone, setTimezone] = useState("UTC");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const [message, setMessage] = useState("");

  const load = async (): Promise<boolean> => {
    const next = await read(await api.api.backfills[":backfillId"].$get({ param: { backfillId } }));
    const changed = JSON.stringify(next) !== JSON.stringify(view);
    if (changed) setView(next);
    return changed;
  };
  useEffect(() => {
    void (async () => {
      const v = await read(await api.api.backfills[":backfillId"].$get({ param: { backfillId } }));
      setView(v);
      const dag = await read(await api.api.dags[":dagId"].$get({ param: { dagId: v.dagId }, query: {} }));
      setTimezone((dag as { timezone?: string }).timezone ?? "UTC");
    })().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  usePoll(load, view !== null && isBackfillActive(view.status));

  const cancel = async () => {
    setConfirming(false);
    try {
      setView(await read(await api.api.backfills[":backfillId"].cancel.$post({ param: { backfillId } })));
      setMessage("Backfill cancelled: dates not started were dropped, its running runs cancelled.");
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!view) return error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading backfill…</p>;
  const p = backfillProgress(view.dates);
  const r = view.request;
  return (
    <section>
      <div class="page-head">
        <h1>
          Backfill <span class="mono">{view.backfillId}</span>
        </h1>
        <span id="backfill-status" aria-live="polite">
          <StateBadge status={view.status} />
        </span>
        <a href={hrefs.dag(view.dagId)}>{view.dagId}</a>
        <div class="actions">
          {isBackfillActive(view.status) ? (
            <button type="button" class="danger" onClick={() => setConfirming(true)}>
              Cancel backfill
            </button>
          ) : null}
        </div>
      </div>
      {message ? <p role="status">{message}</p> : null}
      {error ? <p class="error" role="alert">{error}</p> : null}
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">DAG</th>
            <td>
              <a href={hrefs.dag(view.dagId)}>{view.dagId}</a>
            </td>
          </tr>
          <tr>
            <th scope="row">Window</th>
            <td>{`${r.from} → ${r.to} (${timezone}, inclusive)${r.newestFirst ? ", newest first" : ", oldest first"}`}</td>
          </tr>
          <tr>
            <th scope="row">Reprocess</th>
            <td>{r.reprocess ?? "missing"}</td>
          </tr>
          <tr>
            <th scope="row">Max active runs</th>
            <td>{view.maxActiveRuns}</td>
          </tr>
          <tr>
            <th scope="row">Created</th>
            <td title={view.createdAt ?? ""}>{formatInZone(view.createdAt, timezone)}</td>
          </tr>
          <tr>
            <th scope="row">Ended</th>
            <td>{view.endedAt ? formatInZone(view.endedAt, timezone) : "—"}</td>
          </tr>
          {r.params && Object.keys(r.params).length > 0 ? (
            <tr>
              <th scope="row">Params</th>
              <td class="mono">{JSON.stringify(r.params)}</td>
            </tr>
          ) : null}
        </tbody>
      </table>

      <h2>Progress</h2>
      <p id="backfill-progress" aria-live="polite">{`${p.done} of ${p.total} dates done (${p.percent} %)`}</p>
      <div class="progress" role="img" aria-label={p.byStatus.map((c) => `${c.n} ${stateLabel(c.status)}`).join(", ")}>
        {p.byStatus.map((c) => (
          <span class={`progress-part ${stateClass(c.status)}`} style={`flex-grow:${c.n}`}></span>
        ))}
      </div>
      <div class="counts" aria-label="Dates by state">
        {p.byStatus.map((c) => (
          <span class={`badge ${stateClass(c.status)}`} data-count={c.status}>{`${stateLabel(c.status)} ${c.n}`}</span>
        ))}
      </div>

      <h2>Dates</h2>
      <table class="plain backfill-dates">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Logical date ({timezone})</th>
            <th scope="col">ds</th>
            <th scope="col">State</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {view.dates.map((d, i) => (
            <tr data-date={d.ds} data-state={d.status}>
              <td class="muted">{i + 1}</td>
              <td title={d.logicalDate}>{formatInZone(d.logicalDate, timezone, { bare: true })}</td>
              <td class="mono">{d.ds}</td>
              <td>
                <StateBadge status={d.status} />
              </td>
              <td>
                {d.runId ? (
                  <a class="mono" href={hrefs.run(d.runId)}>
                    {d.runId.slice(0, 12)}
                  </a>
                ) : (
                  <span class="muted small">not started</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {confirming ? (
        <Confirm title="Cancel this backfill?" confirmLabel="Cancel backfill" cancelLabel="Keep the backfill running" onConfirm={() => void cancel()} onCancel={() => setConfirming(false)}>
          <p>Dates not started yet are dropped, and its queued and running runs are cancelled. Finished dates keep their runs.</p>
        </Confirm>
      ) : null}
    </section>
  );
}

mountPage(() => <BackfillPage />);
