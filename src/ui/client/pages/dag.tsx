import { useEffect, useMemo, useState } from "hono/jsx/dom";
import { gridModel, type GridRunInput } from "../../lib/grid-model";
import { layoutGraph, readingOrder } from "../../lib/graph-layout";
import type { DagTriggerSpec } from "../../lib/dag-triggers";
import { stateLabel } from "../../lib/states";
import { api, fetchRunView, read } from "../api";
import { TaskGraph } from "../components/graph";
import { RunsGrid } from "../components/grid";
import { BackfillsList, type BackfillItem } from "../components/backfills-list";
import { DagTriggers } from "../components/dag-triggers";
import { JsonBlock } from "../components/json-block";
import { SchedulePanel, type DagStatus } from "../components/schedule-panel";
import { StateBadge } from "../components/state";
import { usePoll } from "../live";
import { mountPage, pageParam } from "../mount";

type Spec = DagTriggerSpec & { description?: string; tags?: string[]; tasks: Record<string, { type: string; dependsOn?: string[] }> };
type Instance = { taskId: string; mapIndex: number | null; status: string; attempts: number; startedAt: string | null; endedAt: string | null; error: unknown; output: unknown };

const dagId = pageParam("dagid");

/** The DAG page: the task graph coloured by the selected run, the runs grid, and the versions with their spec. */
function DagPage() {
  const [dag, setDag] = useState<{ version: number; latest: number; createdAt: string | null; spec: Spec } | null>(null);
  const [runs, setRuns] = useState<GridRunInput[] | null>(null);
  const [selected, setSelected] = useState<{ runId: string; taskId?: string } | null>(null);
  const [instance, setInstance] = useState<Instance | null>(null);
  const [error, setError] = useState("");
  const [status, setStatus] = useState<DagStatus | null>(null);
  const [backfills, setBackfills] = useState<BackfillItem[] | null>(null);
  /** The latest version's spec (what schedules and triggers now), whichever version is shown. */
  const [latestSpec, setLatestSpec] = useState<Spec | null>(null);

  const loadBackfills = async () => {
    const body = await read(await api.api.dags[":dagId"].backfills.$get({ param: { dagId } }));
    setBackfills(body.backfills as BackfillItem[]);
  };
  /** The scheduling state (counts move as runs start and end): read with the latest version. */
  const loadStatus = async () => {
    const body = await read(await api.api.dags[":dagId"].$get({ param: { dagId }, query: {} }));
    setStatus(body as unknown as DagStatus);
    setLatestSpec(body.spec as Spec);
  };

  const fetchVersion = async (version?: number) => {
    const body = await read(
      await api.api.dags[":dagId"].$get({ param: { dagId }, query: version === undefined ? {} : { version } }),
    );
    performance.mark("switchyard:spec-loaded");
    return body;
  };
  const fetchGrid = async () => {
    const body = await read(await api.api.dags[":dagId"].grid.$get({ param: { dagId }, query: { limit: 25 } }));
    performance.mark("switchyard:grid-loaded");
    return body.runs as GridRunInput[];
  };
  const showVersion = (body: Awaited<ReturnType<typeof fetchVersion>>) =>
    setDag((d) => ({ version: body.version, latest: d?.latest ?? body.version, createdAt: body.createdAt, spec: body.spec as Spec }));
  const loadVersion = async (version?: number) => showVersion(await fetchVersion(version));
  const loadGrid = async (): Promise<boolean> => {
    const next = await fetchGrid();
    const changed = JSON.stringify(next) !== JSON.stringify(runs);
    if (changed) {
      setRuns(next);
      // Runs started or ended: the counts and the backfills' progress moved too.
      await Promise.all([loadStatus(), loadBackfills()]);
    }
    return changed;
  };

  useEffect(() => {
    // Structure and state load in separate requests, side by side, and render once together.
    void Promise.all([fetchVersion(), fetchGrid()])
      .then(([version, grid]) => {
        showVersion(version);
        setStatus(version as unknown as DagStatus);
        setLatestSpec(version.spec as Spec);
        setRuns(grid);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    void loadBackfills().catch(() => setBackfills([]));
  }, []);

  // A mark once structure and state are on screen (read by the e2e timing report).
  useEffect(() => {
    if (dag && runs) requestAnimationFrame(() => performance.mark("switchyard:dag-page-rendered"));
  }, [dag, runs]);

  // Poll the grid: new runs appear and active ones move; quiet polls back off to POLL_MAX_MS.
  usePoll(loadGrid, runs !== null);

  const layout = useMemo(
    () => layoutGraph(Object.entries(dag?.spec.tasks ?? {}).map(([id, t]) => ({ id, dependsOn: t.dependsOn ?? [] }))),
    [dag],
  );
  const taskIds = useMemo(() => readingOrder(layout), [layout]);
  const model = useMemo(() => gridModel(taskIds, runs ?? [], Date.now()), [taskIds, runs]);
  const runId = selected?.runId ?? runs?.[0]?.runId;
  const run = runs?.find((r) => r.runId === runId);
  const states: Record<string, { status: string; mapped?: string }> = {};
  for (const row of model.rows) {
    const cell = row.cells.find((c) => c.runId === runId);
    if (cell) states[row.taskId] = { status: cell.status, ...(cell.mapped ? { mapped: cell.mapped } : {}) };
  }

  const selectCell = async (rid: string, taskId: string) => {
    setSelected({ runId: rid, taskId });
    setInstance(null);
    try {
      const view = await fetchRunView(rid);
      const t = (view.tasks as Instance[]).find((x) => x.taskId === taskId && x.mapIndex === null);
      setInstance(t ?? { taskId, mapIndex: null, status: "none", attempts: 0, startedAt: null, endedAt: null, error: null, output: null });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!dag) return error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading {dagId}…</p>;
  return (
    <section>
      <div class="page-head">
        <h1>{dagId}</h1>
        <span class="muted">
          version {dag.version}
          {dag.version !== dag.latest ? ` (latest ${dag.latest})` : ""}
        </span>
        {dag.spec.tags?.map((t) => <span class="tag">{t}</span>)}
        <div class="actions">
          <a class="button" href={`/dags/${encodeURIComponent(dagId)}/backfill`}>
            Backfill…
          </a>
          <a class="button primary" href={`/dags/${encodeURIComponent(dagId)}/trigger`}>
            Trigger
          </a>
        </div>
      </div>
      {dag.spec.description ? <p>{dag.spec.description}</p> : null}
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="panels">
        {status ? <SchedulePanel dagId={dagId} status={status} onStatus={setStatus} /> : null}
        <DagTriggers dagId={dagId} spec={latestSpec ?? dag.spec} />
      </div>

      <h2 id="graph-h">Task graph</h2>
      <p class="muted small">
        {run ? (
          <>
            Coloured by run <a href={`/runs/${run.runId}`}>{run.runId.slice(0, 12)}</a> (<StateBadge status={run.status} />). Pick a run
            in the grid to see another.
          </>
        ) : (
          "No runs yet: trigger one to see states."
        )}
      </p>
      <div class="layout">
        <TaskGraph
          layout={layout}
          states={states}
          {...(selected?.taskId ? { selected: selected.taskId } : {})}
          onSelect={(taskId) => runId && void selectCell(runId, taskId)}
        />
        <aside class="panel" aria-live="polite" aria-label="Selected task instance">
          {selected?.taskId ? (
            <>
              <h3>
                {selected.taskId} <span class="muted small">in run </span>
                <a href={`/runs/${selected.runId}`}>{selected.runId.slice(0, 12)}</a>
              </h3>
              {instance ? (
                <table class="kv">
                  <tbody>
                    <tr>
                      <th scope="row">State</th>
                      <td>
                        <StateBadge status={instance.status} />
                      </td>
                    </tr>
                    <tr>
                      <th scope="row">Attempts</th>
                      <td>{instance.attempts}</td>
                    </tr>
                    <tr>
                      <th scope="row">Started</th>
                      <td>{instance.startedAt ?? "—"}</td>
                    </tr>
                    <tr>
                      <th scope="row">Ended</th>
                      <td>{instance.endedAt ?? "—"}</td>
                    </tr>
                    {instance.error ? (
                      <tr>
                        <th scope="row">Error</th>
                        <td>
                          <JsonBlock value={instance.error} label="error" />
                        </td>
                      </tr>
                    ) : null}
                    {instance.output !== null && instance.output !== undefined ? (
                      <tr>
                        <th scope="row">Output</th>
                        <td>
                          <JsonBlock value={instance.output} label="output" />
                        </td>
                      </tr>
                    ) : null}
                  </tbody>
                </table>
              ) : (
                <p class="muted">Loading…</p>
              )}
            </>
          ) : (
            <p class="muted">Select a task in the graph or a cell of the grid to see that task instance.</p>
          )}
        </aside>
      </div>

      <h2>Runs grid</h2>
      {runs === null ? (
        <p class="muted">Loading runs…</p>
      ) : runs.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <RunsGrid
          model={model}
          {...(runId ? { selected: selected ?? { runId } } : {})}
          onSelectCell={(rid, taskId) => void selectCell(rid, taskId)}
          onSelectRun={(rid) => {
            setSelected({ runId: rid });
            setInstance(null);
          }}
        />
      )}
      <p class="muted small">
        Columns are the {runs?.length ?? 0} newest runs, oldest left; bar height is the run's duration. Cell states:{" "}
        {["success", "running", "up_for_retry", "failed", "upstream_failed", "skipped", "none"].map((s) => stateLabel(s)).join(", ")}.
      </p>

      <div class="section-head">
        <h2 id="backfills-h">Backfills</h2>
        <a class="button small-button" href={`/dags/${encodeURIComponent(dagId)}/backfill`}>
          New backfill…
        </a>
      </div>
      <BackfillsList backfills={backfills} timezone={status?.timezone ?? "UTC"} />

      <h2>Versions and spec</h2>
      <div class="field inline">
        <label for="version">Version</label>
        <select
          id="version"
          onChange={(e: Event) => void loadVersion(Number((e.target as HTMLSelectElement).value))}
        >
          {Array.from({ length: dag.latest }, (_, i) => dag.latest - i).map((v) => (
            <option value={String(v)} selected={v === dag.version}>
              {`v${v}${v === dag.latest ? " (latest)" : ""}`}
            </option>
          ))}
        </select>
        <p class="hint">Registered {dag.createdAt ?? ""}</p>
      </div>
      <JsonBlock value={dag.spec} label="spec" />
    </section>
  );
}

mountPage(() => <DagPage />);
