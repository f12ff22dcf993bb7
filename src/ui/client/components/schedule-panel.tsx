import { useEffect, useState } from "hono/jsx/dom";
import { cronInWords } from "../../lib/dag-triggers";
import { formatInZone, relativeTime } from "../../lib/time-text";
import { api, read } from "../api";
import type { DagScheduleStatus } from "../../../dags/types";
import { PauseToggle } from "./pause-toggle";

/** A DAG's scheduling state as `GET /api/dags/{dagId}` and pause/unpause answer it (the DAG object's own type). */
export type DagStatus = DagScheduleStatus;

type Upcoming = { runAt: string; logicalDate: string; dataIntervalStart: string; dataIntervalEnd: string };

/**
 * The DAG page's schedule panel: expression, timezone, catchup, maxActiveRuns, the runs active
 * and queued, the pause toggle, and the next five runs (`GET /api/dags/{dagId}/schedule?count=5`)
 * with their logical dates and data intervals.
 */
export function SchedulePanel(props: { dagId: string; status: DagStatus; onStatus: (s: DagStatus) => void }) {
  const s = props.status;
  const [upcoming, setUpcoming] = useState<Upcoming[] | null>(null);
  useEffect(() => {
    if (s.schedule === null) return;
    void (async () => {
      const body = await read(await api.api.dags[":dagId"].schedule.$get({ param: { dagId: props.dagId }, query: { count: 5 } }));
      setUpcoming(body.schedule);
    })().catch(() => setUpcoming([]));
  }, [s.schedule, s.timezone]);
  const now = Date.now();
  return (
    <section class="panel schedule-panel" aria-labelledby="schedule-h">
      <h2 id="schedule-h">Schedule</h2>
      <table class="kv compact">
        <tbody>
          <tr>
            <th scope="row">State</th>
            <td>
              <PauseToggle dagId={props.dagId} paused={s.paused} onChange={(next) => props.onStatus({ ...s, ...next })} />
            </td>
          </tr>
          <tr>
            <th scope="row">Expression</th>
            <td>
              {s.schedule === null ? (
                <span class="muted">no schedule (runs start by hand or on events)</span>
              ) : (
                <>
                  <code>{s.schedule}</code> <span class="muted small">{cronInWords(s.schedule) ?? ""}</span>
                </>
              )}
            </td>
          </tr>
          <tr>
            <th scope="row">Timezone</th>
            <td>{s.timezone}</td>
          </tr>
          {s.schedule !== null ? (
            <tr>
              <th scope="row">Catchup</th>
              <td>{s.catchup ? "on: missed intervals run, oldest first" : "off: only the latest complete interval"}</td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">Max active runs</th>
            <td>{s.maxActiveRuns}</td>
          </tr>
          <tr>
            <th scope="row">Runs now</th>
            <td data-testid="run-counts">
              {`${s.activeRuns} active, ${s.queuedRuns} queued`}
              {s.backfillRuns > 0 ? `, ${s.backfillRuns} of backfills` : ""}
              {s.pausedEvents > 0 ? ` · ${s.pausedEvents} event${s.pausedEvents === 1 ? "" : "s"} kept while paused` : ""}
            </td>
          </tr>
          {s.schedule !== null ? (
            <tr>
              <th scope="row">Next run</th>
              <td>
                {s.paused ? (
                  <span class="muted">none while paused</span>
                ) : s.nextRunAt ? (
                  <>
                    {formatInZone(s.nextRunAt, s.timezone)} <span class="muted small">({relativeTime(s.nextRunAt, now)})</span>, logical date{" "}
                    {formatInZone(s.nextLogicalDate, s.timezone, { bare: true })}
                  </>
                ) : (
                  <span class="muted">none (the schedule has ended)</span>
                )}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {s.schedule !== null ? (
        <>
          <h3>The next runs</h3>
          {upcoming === null ? (
            <p class="muted small">Loading…</p>
          ) : upcoming.length === 0 ? (
            <p class="muted small">None.</p>
          ) : (
            <table class="plain upcoming">
              <thead>
                <tr>
                  <th scope="col">Runs at ({s.timezone})</th>
                  <th scope="col">Logical date</th>
                  <th scope="col">Data interval</th>
                </tr>
              </thead>
              <tbody>
                {upcoming.map((u) => (
                  <tr>
                    <td title={u.runAt}>{formatInZone(u.runAt, s.timezone, { bare: true })}</td>
                    <td title={u.logicalDate}>{formatInZone(u.logicalDate, s.timezone, { bare: true })}</td>
                    <td class="small">{`${formatInZone(u.dataIntervalStart, s.timezone, { bare: true })} → ${formatInZone(u.dataIntervalEnd, s.timezone, { bare: true })}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
