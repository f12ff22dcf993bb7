import { useEffect, useMemo, useState } from "hono/jsx/dom";
import { ganttGeometry } from "../../lib/gantt";
import { layoutGraph } from "../../lib/graph-layout";
import { formatDuration } from "../../lib/grid-model";
import { describeRunTrigger } from "../../lib/run-trigger";
import { isFinalRunStatus } from "../../lib/states";
import { formatInterval, formatInZone } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { groupTasks } from "../../lib/task-groups";
import { api, fetchRunSummary, fetchRunView, jsonBody, read, type RunView } from "../api";
import { Confirm } from "../components/confirm";
import { Gantt } from "../components/gantt";
import { TaskGraph } from "../components/graph";
import { JsonBlock } from "../components/json-block";
import { RunLineage } from "../components/run-lineage";
import { StateBadge } from "../components/state";
import { WordsText } from "../components/words";
import { usePoll } from "../live";
import { mountPage, pageParam } from "../mount";

type Attempt = {
  taskId: string;
  mapIndex: number | null;
  attempt: number;
  status: string;
  via: string;
  queuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  error: unknown;
};
type Spec = { tasks: Record<string, { dependsOn?: string[] }> };
type Action = { kind: "cancel" } | { kind: "retry" } | { kind: "clear"; taskId: string };

const runId = pageParam("runid");
const GANTT_WIDTH = 760;
const FULL_RELOAD_MS = 3_000;
/** Task cards drawn at once (a 1,000-task run shows the first ones and a "Show more"). */
const TASKS_PAGE = 100;

const keyOf = (taskId: string, mapIndex: number | null) => (mapIndex === null ? taskId : `${taskId}[${mapIndex}]`);
const time = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString() : "—");

function AttemptsTable(props: { attempts: Attempt[]; now: number }) {
  return (
    <table class="attempts">
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">State</th>
          <th scope="col">Start</th>
          <th scope="col">End</th>
          <th scope="col">Duration</th>
          <th scope="col">Via</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {props.attempts.map((a) => (
          <tr data-attempt={a.attempt}>
            <td>#{a.attempt}</td>
            <td>
              <StateBadge status={a.status} />
            </td>
            <td title={a.startedAt ?? ""}>{time(a.startedAt)}</td>
            <td title={a.endedAt ?? ""}>{time(a.endedAt)}</td>
            <td>
              {a.durationMs !== null
                ? formatDuration(a.durationMs)
                : a.startedAt && !a.endedAt
                  ? `${formatDuration(Math.max(0, props.now - Date.parse(a.startedAt)))} so far`
                  : "—"}
            </td>
            <td>{a.via}</td>
            <td class="mono small">{a.error ? (typeof a.error === "object" ? String((a.error as { message?: unknown }).message ?? JSON.stringify(a.error)) : String(a.error)) : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A run: status and details, graph, Gantt, tasks with attempts and outputs, and the actions. */
function RunPage() {
  const [run, setRun] = useState<RunView | null>(null);
  const [attempts, setAttempts] = useState<Attempt[]>([]);
  const [spec, setSpec] = useState<Spec | null>(null);
  const [timezone, setTimezone] = useState("UTC");
  const [action, setAction] = useState<Action | null>(null);
  const [downstream, setDownstream] = useState(true);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const [lastKey, setLastKey] = useState("");
  const [now, setNow] = useState(Date.now());

  const loadAll = async () => {
    const [view, att] = await Promise.all([
      fetchRunView(runId),
      read(await api.api.runs[":runId"].attempts.$get({ param: { runId } })),
    ]);
    setRun(view);
    setAttempts(att.attempts as Attempt[]);
    setNow(Date.now());
    return view;
  };

  useEffect(() => {
    void (async () => {
      const view = await loadAll();
      const d = await read(
        await api.api.dags[":dagId"].$get({ param: { dagId: view.dagId }, query: { version: view.dagVersion } }),
      );
      setSpec(d.spec as Spec);
      setTimezone((d as { timezone?: string }).timezone ?? "UTC");
    })().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  // Poll the cheap summary; reload the full view and attempts when it moved, and at most every
  // FULL_RELOAD_MS while it did not (a task that starts changes no count), redrawing the Gantt's
  // open bars against the clock in between.
  const [lastFull, setLastFull] = useState(0);
  usePoll(async () => {
    const s = await fetchRunSummary(runId);
    const key = `${s.status}|${s.tasksDone}|${s.endedAt ?? ""}`;
    const changed = key !== lastKey;
    setLastKey(key);
    if (changed || Date.now() - lastFull >= FULL_RELOAD_MS) {
      await loadAll();
      setLastFull(Date.now());
    } else setNow(Date.now());
    return changed;
  }, run !== null && !isFinalRunStatus(run.status));

  // A mark once the run and its graph are on screen (read by the e2e timing report).
  useEffect(() => {
    if (run && spec) requestAnimationFrame(() => performance.mark("switchyard:run-page-rendered"));
  }, [run !== null, spec !== null]);

  const groups = useMemo(() => groupTasks(run?.tasks ?? []), [run]);
  const [taskText, setTaskText] = useState("");
  const [taskState, setTaskState] = useState("");
  const [taskLimit, setTaskLimit] = useState(TASKS_PAGE);
  const needle = taskText.trim().toLowerCase();
  const matching = groups.filter((g) => (taskState === "" || g.task.status === taskState) && (needle === "" || g.task.taskId.toLowerCase().includes(needle)));
  const shownGroups = matching.slice(0, taskLimit);
  const byKey = useMemo(() => {
    const m = new Map<string, Attempt[]>();
    for (const a of attempts) {
      const k = keyOf(a.taskId, a.mapIndex);
      m.set(k, [...(m.get(k) ?? []), a]);
    }
    for (const list of m.values()) list.sort((x, y) => x.attempt - y.attempt);
    return m;
  }, [attempts]);
  const layout = useMemo(
    () => layoutGraph(Object.entries(spec?.tasks ?? {}).map(([id, t]) => ({ id, dependsOn: t.dependsOn ?? [] }))),
    [spec],
  );
  const gantt = useMemo(() => ganttGeometry(attempts, now, GANTT_WIDTH), [attempts, now]);

  const act = async (a: Action) => {
    setAction(null);
    setMessage("");
    try {
      const param = { param: { runId } };
      if (a.kind === "cancel") await read(await api.api.runs[":runId"].cancel.$post(param));
      else if (a.kind === "retry") await read(await api.api.runs[":runId"].retry.$post(param));
      else await read(await api.api.runs[":runId"].clear.$post(param, jsonBody({ taskIds: [a.taskId], downstream })));
      setMessage(a.kind === "cancel" ? "Run cancelled." : a.kind === "retry" ? "Retrying the failed tasks." : `Cleared ${a.taskId}${downstream ? " and downstream" : ""}.`);
      await loadAll();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!run) return error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading run…</p>;
  const final = isFinalRunStatus(run.status);
  const states: Record<string, { status: string; mapped?: string }> = {};
  for (const g of groups) states[g.task.taskId] = { status: g.task.status, ...(g.progress ? { mapped: g.progress } : {}) };
  const trigger = describeRunTrigger(run.trigger as { type: string; detail?: Record<string, unknown> }, { timezone });

  return (
    <section>
      <div class="page-head">
        <h1>
          Run <span class="mono">{run.runId.slice(0, 16)}</span>
        </h1>
        <span id="run-status" aria-live="polite">
          <StateBadge status={run.status} />
        </span>
        <a href={`/dags/${encodeURIComponent(run.dagId)}`}>{run.dagId}</a>
        <div class="actions">
          {!final ? (
            <button type="button" class="danger" onClick={() => setAction({ kind: "cancel" })}>
              Cancel run
            </button>
          ) : null}
          {final && run.status !== "success" ? (
            <button type="button" onClick={() => setAction({ kind: "retry" })}>
              Retry failed tasks
            </button>
          ) : null}
        </div>
      </div>
      {message ? <p role="status">{message}</p> : null}
      {error ? <p class="error" role="alert">{error}</p> : null}
      {run.status === "queued" ? (
        <p class="notice" role="status">
          Queued: the DAG is at its <code>maxActiveRuns</code>; this run starts when a running one ends (in logical-date order).
        </p>
      ) : null}

      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">DAG</th>
            <td>
              <a href={`/dags/${encodeURIComponent(run.dagId)}`}>{run.dagId}</a> v{run.dagVersion}
            </td>
          </tr>
          <tr>
            <th scope="row">Triggered by</th>
            <td id="run-trigger" data-trigger={run.trigger.type}>
              <WordsText words={trigger.summary} />
              {trigger.items.length > 0 ? (
                <ul class="trigger-items">
                  {trigger.items.map((w) => (
                    <li>
                      <WordsText words={w} />
                    </li>
                  ))}
                </ul>
              ) : null}
              {run.runKey ? <div class="muted small">run key {run.runKey}</div> : null}
            </td>
          </tr>
          {run.backfillId ? (
            <tr>
              <th scope="row">Backfill</th>
              <td>
                <a class="mono" href={hrefs.backfill(run.backfillId)}>
                  {run.backfillId}
                </a>
                {run.trigger.type !== "backfill" ? <span class="muted small"> (reran this date's run)</span> : null}
              </td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">Logical date</th>
            <td id="run-logical-date">
              {run.logicalDate ? (
                <>
                  {formatInZone(run.logicalDate, timezone)}
                  {run.ds ? <span class="muted small"> · ds {run.ds}</span> : null}
                </>
              ) : (
                <span class="muted">none (a manual or event run without a date)</span>
              )}
            </td>
          </tr>
          {run.logicalDate ? (
            <tr>
              <th scope="row">Data interval</th>
              <td id="run-data-interval">{formatInterval(run.dataIntervalStart, run.dataIntervalEnd, timezone)}</td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">Started</th>
            <td title={run.startedAt ?? ""}>{run.startedAt ? new Date(run.startedAt).toLocaleString() : "not yet"}</td>
          </tr>
          <tr>
            <th scope="row">Ended</th>
            <td title={run.endedAt ?? ""}>{run.endedAt ? new Date(run.endedAt).toLocaleString() : "—"}</td>
          </tr>
          <tr>
            <th scope="row">Duration</th>
            <td>
              {run.startedAt
                ? `${formatDuration((run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt))}${run.endedAt ? "" : " so far"}`
                : "—"}
            </td>
          </tr>
          {run.parent ? (
            <tr>
              <th scope="row">Parent run</th>
              <td>
                <a href={`/runs/${(run.parent as { runId: string }).runId}`}>{(run.parent as { runId: string }).runId}</a>
              </td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">Params</th>
            <td>
              <JsonBlock value={run.params} label="params" />
            </td>
          </tr>
        </tbody>
      </table>

      <h2>Task graph</h2>
      {spec ? <TaskGraph layout={layout} states={states} onSelect={(id) => document.getElementById(`task-${id}`)?.scrollIntoView()} /> : null}

      <h2>Gantt</h2>
      <Gantt geometry={gantt} width={GANTT_WIDTH} />

      <section aria-labelledby="run-lineage-h">
        <h2 id="run-lineage-h">Lineage</h2>
        <RunLineage runId={run.runId} version={`${run.status}|${groups.filter((g) => g.task.status === "success").length}`} />
      </section>

      <h2>Tasks</h2>
      <div class="filters" role="search">
        <div class="field inline">
          <label for="task-filter">Filter tasks by name</label>
          <input id="task-filter" type="search" value={taskText} onInput={(e: Event) => setTaskText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field inline">
          <label for="task-state">State</label>
          <select id="task-state" onChange={(e: Event) => setTaskState((e.target as HTMLSelectElement).value)}>
            <option value="">All states</option>
            {[...new Set(groups.map((g) => g.task.status))].sort().map((st) => (
              <option value={st} selected={st === taskState}>
                {`${st.replaceAll("_", " ")} (${groups.filter((g) => g.task.status === st).length})`}
              </option>
            ))}
          </select>
        </div>
      </div>
      {shownGroups.length < matching.length ? (
        <p class="muted small">
          {`Showing ${shownGroups.length} of ${matching.length} tasks. `}
          <button type="button" class="link" onClick={() => setTaskLimit(taskLimit + TASKS_PAGE)}>
            Show more tasks
          </button>
        </p>
      ) : null}
      <div class="task-list">
        {shownGroups.map((g) => {
          const t = g.task;
          const own = byKey.get(keyOf(t.taskId, null)) ?? [];
          return (
            <article class={`task st-${t.status}`} id={`task-${t.taskId}`} data-task={t.taskId} data-state={t.status}>
              <div class="task-head">
                <span class="name">{t.taskId}</span>
                <StateBadge status={t.status} />
                <span class="muted small">
                  {t.attempts} attempt{t.attempts === 1 ? "" : "s"}
                  {t.startedAt ? ` · ${time(t.startedAt)} → ${time(t.endedAt)}` : ""}
                  {t.startedAt && t.endedAt ? ` · ${formatDuration(Date.parse(t.endedAt) - Date.parse(t.startedAt))}` : ""}
                  {t.fallbackUsed ? " · fallback used" : ""}
                </span>
                {t.childRunId ? <a href={`/runs/${t.childRunId}`}>child run</a> : null}
                {final ? (
                  <button type="button" class="link" onClick={() => setAction({ kind: "clear", taskId: t.taskId })}>
                    {`Clear ${t.taskId}…`}
                  </button>
                ) : null}
              </div>
              {g.progress ? (
                <div class="counts" aria-label={`${t.taskId} mapped instances by state`}>
                  <span class="muted small">{g.progress} instances ended:</span>
                  {g.counts.map((c) => (
                    <span class={`badge st-${c.status}`}>{`${c.status.replaceAll("_", " ")} ${c.n}`}</span>
                  ))}
                </div>
              ) : null}
              {own.length > 0 ? <AttemptsTable attempts={own} now={now} /> : null}
              {t.error ? <JsonBlock value={t.error} label={`${t.taskId} error`} /> : null}
              {t.output !== null && t.output !== undefined ? <JsonBlock value={t.output} label={`${t.taskId} output`} /> : null}
              {g.instances.length > 0 ? (
                <details>
                  <summary>{`${g.instances.length} mapped instances`}</summary>
                  {g.instances.slice(0, 200).map((i) => (
                    <div class="instance">
                      <strong>{keyOf(i.taskId, i.mapIndex)}</strong> <StateBadge status={i.status} />
                      <AttemptsTable attempts={byKey.get(keyOf(i.taskId, i.mapIndex)) ?? []} now={now} />
                    </div>
                  ))}
                  {g.instances.length > 200 ? <p class="muted">The first 200 are shown; the API has them all.</p> : null}
                </details>
              ) : null}
            </article>
          );
        })}
      </div>

      {action ? (
        <Confirm
          title={action.kind === "cancel" ? "Cancel this run?" : action.kind === "retry" ? "Retry the failed tasks?" : `Clear ${action.taskId}?`}
          confirmLabel={action.kind === "cancel" ? "Cancel run" : action.kind === "retry" ? "Retry failed tasks" : `Clear ${action.taskId}`}
          onConfirm={() => void act(action)}
          onCancel={() => setAction(null)}
        >
          {action.kind === "cancel" ? (
            <p>Queued and running attempts are cancelled and no further task starts.</p>
          ) : action.kind === "retry" ? (
            <p>Failed, upstream-failed and cancelled tasks run again; successful outputs are kept.</p>
          ) : (
            <>
              <p>The task is reset and runs again as a new attempt; history keeps the old attempts.</p>
              <label class="check">
                <input type="checkbox" checked={downstream} onChange={(e: Event) => setDownstream((e.target as HTMLInputElement).checked)} /> Also clear
                everything downstream
              </label>
            </>
          )}
        </Confirm>
      ) : null}
    </section>
  );
}

mountPage(() => <RunPage />);
