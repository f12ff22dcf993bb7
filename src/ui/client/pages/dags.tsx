import type { Child } from "hono/jsx";
import { useEffect, useState } from "hono/jsx/dom";
import { api, read } from "../api";
import { cronInWords } from "../../lib/dag-triggers";
import { formatInZone, relativeTime } from "../../lib/time-text";
import { PauseToggle } from "../components/pause-toggle";
import { StateSquare } from "../components/state";
import { usePoll } from "../live";
import { mountPage } from "../mount";

interface DagRow {
  dagId: string;
  version: number;
  description: string | null;
  tags: string[];
  schedule: string | null;
  timezone: string;
  paused: boolean;
  nextRunAt: string | null;
  nextLogicalDate: string | null;
}
interface RecentRun {
  runId: string;
  status: string;
  createdAt: string | null;
}

/** What a cell may use besides its DAG: its recent runs, the clock, and a way to change the DAG's row. */
interface CellContext {
  runs: RecentRun[] | undefined;
  now: number;
  update: (dagId: string, patch: Partial<DagRow>) => void;
}

/** The DAG list's columns, in order. A column is a header and a cell. */
const COLUMNS: Array<{ header: string; cell: (d: DagRow, ctx: CellContext) => Child }> = [
  {
    header: "DAG",
    cell: (d) => (
      <>
        <a class="dag-link" href={`/dags/${encodeURIComponent(d.dagId)}`}>
          {d.dagId}
        </a>
        <span class="muted small"> v{d.version}</span>
      </>
    ),
  },
  { header: "Description", cell: (d) => d.description ?? <span class="muted">—</span> },
  { header: "Tags", cell: (d) => d.tags.map((t) => <span class="tag">{t}</span>) },
  {
    header: "Schedule",
    cell: (d) =>
      d.schedule === null ? (
        <span class="muted small">no schedule</span>
      ) : (
        <span class="schedule-cell">
          <code>{d.schedule}</code>
          <span class="muted small">
            {" "}
            {cronInWords(d.schedule) ?? ""}
            {d.timezone !== "UTC" ? ` · ${d.timezone}` : ""}
          </span>
        </span>
      ),
  },
  {
    header: "Next run",
    cell: (d, { now }) =>
      d.schedule === null ? (
        <span class="muted small">—</span>
      ) : d.paused ? (
        <span class="muted small">none while paused</span>
      ) : d.nextRunAt === null ? (
        <span class="muted small">none (schedule ended)</span>
      ) : (
        <span class="next-run" title={d.nextRunAt}>
          {formatInZone(d.nextRunAt, d.timezone)} <span class="muted small">({relativeTime(d.nextRunAt, now)})</span>
          <br />
          <span class="muted small">logical date {formatInZone(d.nextLogicalDate, d.timezone, { bare: true })}</span>
        </span>
      ),
  },
  {
    header: "State",
    cell: (d, { update }) => (
      <PauseToggle
        dagId={d.dagId}
        paused={d.paused}
        onChange={(s) => update(d.dagId, { paused: s.paused, nextRunAt: s.nextRunAt, nextLogicalDate: s.nextLogicalDate })}
      />
    ),
  },
  {
    header: "Last runs",
    cell: (_d, { runs }) =>
      runs === undefined ? (
        <span class="muted small">…</span>
      ) : runs.length === 0 ? (
        <span class="muted small">no runs yet</span>
      ) : (
        <span class="squares">
          {[...runs].reverse().map((r) => (
            <StateSquare status={r.status} label={`run ${r.runId.slice(0, 8)} ${r.createdAt ?? ""}`} href={`/runs/${r.runId}`} />
          ))}
        </span>
      ),
  },
  {
    header: "Actions",
    cell: (d) => (
      <a class="button" href={`/dags/${encodeURIComponent(d.dagId)}/trigger`} aria-label={`Trigger ${d.dagId}`}>
        Trigger
      </a>
    ),
  },
];

/** The list loads recent runs for at most this many DAGs (those the filter shows first). */
const RUNS_FOR_AT_MOST = 100;

async function loadRuns(dagIds: readonly string[]): Promise<Record<string, RecentRun[]>> {
  const out: Record<string, RecentRun[]> = {};
  dagIds = dagIds.slice(0, RUNS_FOR_AT_MOST);
  // A few at a time: the list stays quick without a burst of requests.
  for (let i = 0; i < dagIds.length; i += 6) {
    await Promise.all(
      dagIds.slice(i, i + 6).map(async (dagId) => {
        const body = await read(await api.api.dags[":dagId"].runs.$get({ param: { dagId }, query: { limit: 10 } }));
        out[dagId] = body.runs;
      }),
    );
  }
  return out;
}

function DagsPage() {
  const [dags, setDags] = useState<DagRow[] | null>(null);
  const [runs, setRuns] = useState<Record<string, RecentRun[]>>({});
  const [text, setText] = useState("");
  const [tag, setTag] = useState("");
  const [error, setError] = useState("");

  useEffect(() => {
    void (async () => {
      try {
        const body = await read(await api.api.dags.$get());
        setDags(body.dags);
        setRuns(await loadRuns(body.dags.map((d) => d.dagId)));
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    })();
  }, []);

  const now = Date.now();
  const update = (id: string, patch: Partial<DagRow>) => setDags((list) => (list ?? []).map((d) => (d.dagId === id ? { ...d, ...patch } : d)));
  const tags = [...new Set((dags ?? []).flatMap((d) => d.tags))].sort();
  const needle = text.trim().toLowerCase();
  const shown = (dags ?? []).filter(
    (d) =>
      (tag === "" || d.tags.includes(tag)) &&
      (needle === "" || d.dagId.toLowerCase().includes(needle) || (d.description ?? "").toLowerCase().includes(needle)),
  );

  // Refresh the squares of the DAGs shown (backing off while nothing changes).
  const shownIds = shown.map((d) => d.dagId).join(",");
  usePoll(async () => {
    const next = { ...runs, ...(await loadRuns(shownIds === "" ? [] : shownIds.split(","))) };
    const changed = JSON.stringify(next) !== JSON.stringify(runs);
    if (changed) setRuns(next);
    return changed;
  }, dags !== null);

  return (
    <section>
      <div class="page-head">
        <h1>DAGs</h1>
      </div>
      <div class="filters" role="search">
        <div class="field inline">
          <label for="filter-text">Filter by name or description</label>
          <input id="filter-text" type="search" value={text} onInput={(e: Event) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field inline">
          <label for="filter-tag">Tag</label>
          <select id="filter-tag" value={tag} onChange={(e: Event) => setTag((e.target as HTMLSelectElement).value)}>
            <option value="">All tags</option>
            {tags.map((t) => (
              <option value={t} selected={t === tag}>
                {t}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {dags === null ? (
        <p class="muted">Loading DAGs…</p>
      ) : (
        <table class="dags">
          <caption class="sr">{`${shown.length} of ${dags.length} DAGs`}</caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th scope="col">{c.header}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr data-dag={d.dagId}>
                {COLUMNS.map((c) => (
                  <td>{c.cell(d, { runs: runs[d.dagId], now, update })}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dags !== null && shown.length === 0 ? <p class="muted">No DAG matches.</p> : null}
    </section>
  );
}

mountPage(() => <DagsPage />);
