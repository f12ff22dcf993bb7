import { useEffect, useMemo, useState } from "hono/jsx/dom";
import { columnText, edgeKind, edgeKindClass } from "../../lib/lineage-kinds";
import { layoutLineage } from "../../lib/lineage-layout";
import {
  columnGraph,
  columnHops,
  columnId,
  columnOfId,
  datasetColumns,
  datasetEdgeRows,
  datasetGraph,
  kindsUsed,
  lineageHref,
  readLineageQuery,
  runsOfGraph,
  truncatedText,
  type ColumnEdgeView,
  type DatasetEdgeView,
  type DatasetView,
  type LineageQuery,
  type RunLineageColumns,
} from "../../lib/lineage-model";
import { lineageSvg } from "../../lib/lineage-svg";
import { formatInZone, relativeTime } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { api, ApiError, read } from "../api";
import { LineageGraph } from "../components/lineage-graph";
import { LineageLegend } from "../components/lineage-legend";
import { mountPage } from "../mount";

type DatasetWalk = Awaited<ReturnType<typeof read<Awaited<ReturnType<(typeof api.api.lineage.datasets)[":uri{.+}"]["$get"]>>>>>;
type ColumnWalk = Awaited<ReturnType<typeof read<Awaited<ReturnType<typeof api.api.lineage.columns.$get>>>>>;

const DEPTHS = [1, 2, 3, 4, 6, 10] as const;

/** Who wrote an edge: the DAG, the task on its run's page, the run; each a link. */
function Writer(props: { dagId: string; taskId: string; runId: string | null }) {
  return (
    <>
      <td>
        <a href={hrefs.dag(props.dagId)}>{props.dagId}</a>
      </td>
      <td>{props.runId ? <a href={hrefs.task(props.runId, props.taskId)}>{props.taskId}</a> : props.taskId}</td>
      <td>
        {props.runId ? (
          <a class="mono" href={hrefs.run(props.runId)} aria-label={`run ${props.runId}`}>
            {props.runId.slice(0, 12)}
          </a>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
    </>
  );
}

/**
 * Lineage: the dataset graph around one dataset (up- and downstream, to a depth), left to right,
 * each edge the DAG and task that wrote it; picking a column shows its upstream path hop by hop
 * with each edge's kind in words and the DAG, task and run that wrote it. The state is the URL.
 */
function LineagePage() {
  const [q, setQ] = useState<LineageQuery>(readLineageQuery(location.search));
  const [datasets, setDatasets] = useState<DatasetView[] | null>(null);
  const [walk, setWalk] = useState<DatasetWalk | null>(null);
  const [missing, setMissing] = useState(false);
  const [columns, setColumns] = useState<string[] | null>(null);
  const [colWalk, setColWalk] = useState<ColumnWalk | null>(null);
  const [error, setError] = useState("");
  const fail = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

  const go = (next: LineageQuery, push = true) => {
    if (next.dataset !== null && push) history.pushState(null, "", lineageHref({ ...next, dataset: next.dataset }));
    else if (push) history.pushState(null, "", "/lineage");
    setQ(next);
  };
  useEffect(() => {
    const onPop = () => setQ(readLineageQuery(location.search));
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    void (async () => setDatasets((await read(await api.api.lineage.datasets.$get())).datasets as DatasetView[]))().catch(fail);
  }, []);

  // The dataset graph, then the columns its runs' lineage knows of the dataset.
  useEffect(() => {
    setWalk(null);
    setMissing(false);
    setColumns(null);
    setError("");
    const uri = q.dataset;
    if (uri === null) return;
    void (async () => {
      let body: DatasetWalk;
      try {
        body = await read(
          await api.api.lineage.datasets[":uri{.+}"].$get({
            param: { uri: encodeURIComponent(uri) },
            query: { direction: q.direction, ...(q.depth === null ? {} : { depth: q.depth }) },
          }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          setMissing(true);
          return;
        }
        throw e;
      }
      setWalk(body);
      const runs = runsOfGraph(body.datasets as DatasetView[], body.edges as DatasetEdgeView[]);
      const lineages = await Promise.all(runs.map(async (runId) => (await read(await api.api.runs[":runId"].lineage.$get({ param: { runId } }))) as RunLineageColumns));
      const cols = datasetColumns(uri, lineages);
      setColumns(q.column !== null && !cols.includes(q.column) ? [...cols, q.column] : cols);
    })().catch(fail);
  }, [q.dataset, q.direction, q.depth]);

  useEffect(() => {
    setColWalk(null);
    if (q.dataset === null || q.column === null) return;
    const dataset = q.dataset;
    const column = q.column;
    void (async () => {
      const body = await read(
        await api.api.lineage.columns.$get({ query: { dataset, column, direction: "upstream", ...(q.depth === null ? {} : { depth: q.depth }) } }),
      );
      setColWalk(body);
    })().catch(fail);
  }, [q.dataset, q.column, q.depth]);

  const dsLayout = useMemo(() => {
    if (!walk) return null;
    const g = datasetGraph(walk.datasets as DatasetView[], walk.edges as DatasetEdgeView[]);
    return layoutLineage(g.nodes, g.edges, walk.dataset);
  }, [walk]);
  const colEdges = (colWalk?.edges ?? []) as ColumnEdgeView[];
  const start = q.dataset !== null && q.column !== null ? { dataset: q.dataset, column: q.column.toLowerCase() } : null;
  const colLayout = useMemo(() => {
    if (!colWalk || !start) return null;
    const g = columnGraph(start, colEdges);
    return layoutLineage(g.nodes, g.edges, columnId(start));
  }, [colWalk]);
  const hops = useMemo(() => (start ? columnHops(start, colEdges) : []), [colWalk]);

  useEffect(() => {
    if (walk && (q.column === null || colWalk)) requestAnimationFrame(() => performance.mark("switchyard:lineage-rendered"));
  }, [walk, colWalk]);

  const picker = (
    <form class="filters lineage-controls" role="search" aria-label="Lineage" onSubmit={(e: Event) => e.preventDefault()}>
      <div class="field inline">
        <label for="lineage-dataset">Dataset</label>
        <select
          id="lineage-dataset"
          value={q.dataset ?? ""}
          onChange={(e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            go({ ...q, dataset: v === "" ? null : v, column: null });
          }}
        >
          <option value="">Pick a dataset…</option>
          {(datasets ?? []).map((d) => (
            <option value={d.uri}>{d.uri}</option>
          ))}
          {q.dataset !== null && datasets !== null && !datasets.some((d) => d.uri === q.dataset) ? <option value={q.dataset}>{q.dataset}</option> : null}
        </select>
      </div>
      <div class="field inline">
        <label for="lineage-direction">Direction</label>
        <select id="lineage-direction" value={q.direction} onChange={(e: Event) => go({ ...q, direction: (e.target as HTMLSelectElement).value as LineageQuery["direction"] })}>
          <option value="both">up- and downstream</option>
          <option value="upstream">upstream only</option>
          <option value="downstream">downstream only</option>
        </select>
      </div>
      <div class="field inline">
        <label for="lineage-depth">Depth (hops)</label>
        <select
          id="lineage-depth"
          value={q.depth === null ? "all" : String(q.depth)}
          onChange={(e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            go({ ...q, depth: v === "all" ? null : Number(v) });
          }}
        >
          {DEPTHS.map((d) => (
            <option value={String(d)}>{d}</option>
          ))}
          {q.depth !== null && !(DEPTHS as readonly number[]).includes(q.depth) ? <option value={String(q.depth)}>{q.depth}</option> : null}
          <option value="all">all</option>
        </select>
      </div>
    </form>
  );

  const now = Date.now();
  return (
    <section>
      <div class="page-head">
        <h1>Lineage</h1>
        <span class="muted">Where a dataset's data comes from and goes, through which DAGs and tasks, and which run last wrote it.</span>
      </div>
      {picker}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}

      {q.dataset === null ? (
        datasets === null ? (
          <p class="muted">Loading datasets…</p>
        ) : datasets.length === 0 ? (
          <p class="muted">No lineage yet: it is recorded when an sql task, or a task declaring its datasets, succeeds.</p>
        ) : (
          <table class="dags lineage-datasets">
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">Kind</th>
                <th scope="col">Last written by</th>
                <th scope="col">Run</th>
                <th scope="col">When (UTC)</th>
                <th scope="col">Rows</th>
              </tr>
            </thead>
            <tbody>
              {datasets.map((d) => (
                <tr data-uri={d.uri}>
                  <td>
                    <a
                      class="mono dag-link"
                      href={hrefs.lineage(d.uri)}
                      onClick={(e: Event) => {
                        e.preventDefault();
                        go({ ...q, dataset: d.uri, column: null });
                      }}
                    >
                      {d.uri}
                    </a>
                  </td>
                  <td>{d.kind}</td>
                  <td>
                    {d.lastWriter?.dagId ? (
                      <>
                        <a href={hrefs.dag(d.lastWriter.dagId)}>{d.lastWriter.dagId}</a>
                        <span class="muted">.{d.lastWriter.taskId}</span>
                      </>
                    ) : (
                      <span class="muted">no task writes it (a source)</span>
                    )}
                  </td>
                  <td>
                    {d.lastWriter ? (
                      <a class="mono" href={hrefs.run(d.lastWriter.runId)}>
                        {d.lastWriter.runId.slice(0, 12)}
                      </a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td title={d.lastWriter?.at ?? ""}>{d.lastWriter?.at ? `${formatInZone(d.lastWriter.at, "UTC", { bare: true })} (${relativeTime(d.lastWriter.at, now)})` : "—"}</td>
                  <td>{d.rowCount === null ? <span class="muted">—</span> : d.rowCount.toLocaleString("en")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : missing ? (
        <p class="notice" role="status">
          Lineage has not seen <code>{q.dataset}</code>: no recorded task reads or writes it yet. See its updates on the{" "}
          <a href={hrefs.dataset(q.dataset)}>datasets page</a>.
        </p>
      ) : walk === null || dsLayout === null ? (
        <p class="muted">Loading the lineage of {q.dataset}…</p>
      ) : (
        <>
          <section aria-labelledby="ds-graph-h" class="lineage-section">
            <div class="section-head">
              <h2 id="ds-graph-h">
                Datasets around <code>{walk.dataset}</code>
              </h2>
              <span class="muted small">
                {walk.nodes} dataset{walk.nodes === 1 ? "" : "s"}, {walk.edges.length} task edge{walk.edges.length === 1 ? "" : "s"}, {walk.depth} hop{walk.depth === 1 ? "" : "s"} deep
              </span>
              <a href={hrefs.dataset(walk.dataset)}>its updates</a>
            </div>
            {truncatedText(walk.truncated, walk) ? (
              <p class="notice truncated" role="status" data-walk="datasets">
                {truncatedText(walk.truncated, walk)}
              </p>
            ) : null}
            {walk.edges.length === 0 ? (
              <p class="muted">No task reads or writes it together with another dataset yet.</p>
            ) : (
              <LineageGraph
                svg={lineageSvg(dsLayout, { title: `Dataset lineage of ${walk.dataset}`, focus: walk.dataset, hrefOf: (id) => lineageHref({ ...q, dataset: id, column: null }), nodeLabel: (id) => id })}
                onPick={(href) => go(readLineageQuery(new URL(href, location.origin).search))}
              />
            )}
            {walk.edges.length > 0 ? (
              <details class="lineage-edges">
                <summary>The task edges as a table</summary>
                <table class="plain">
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">To</th>
                      <th scope="col">DAG</th>
                      <th scope="col">Task</th>
                      <th scope="col">Run</th>
                    </tr>
                  </thead>
                  <tbody>
                    {datasetEdgeRows(walk.edges as DatasetEdgeView[]).map((e) => (
                      <tr>
                        <td>
                          <a class="mono" href={lineageHref({ ...q, dataset: e.from, column: null })}>
                            {e.from}
                          </a>
                        </td>
                        <td>
                          <a class="mono" href={lineageHref({ ...q, dataset: e.to, column: null })}>
                            {e.to}
                          </a>
                        </td>
                        <Writer dagId={e.dagId} taskId={e.taskId} runId={e.runId} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : null}
          </section>

          <section aria-labelledby="col-h" class="lineage-section">
            <h2 id="col-h">
              Columns of <code>{walk.dataset}</code>
            </h2>
            {columns === null ? (
              <p class="muted">Reading the columns its runs recorded…</p>
            ) : columns.length === 0 ? (
              <p class="muted">No column lineage recorded for it (only table-level lineage).</p>
            ) : (
              <div class="field inline">
                <label for="lineage-column">Column</label>
                <select
                  id="lineage-column"
                  value={q.column ?? ""}
                  onChange={(e: Event) => {
                    const v = (e.target as HTMLSelectElement).value;
                    go({ ...q, column: v === "" ? null : v });
                  }}
                >
                  <option value="">Pick a column to trace upstream…</option>
                  {columns.map((c) => (
                    <option value={c}>{columnText(c)}</option>
                  ))}
                </select>
                <p class="hint">Its upstream path, every hop, with how each column feeds the next.</p>
              </div>
            )}
          </section>

          {start !== null ? (
            <section aria-labelledby="path-h" class="lineage-section" id="column-path">
              <h2 id="path-h">
                Upstream of <code>{`${start.dataset} · ${columnText(start.column)}`}</code>
              </h2>
              {colWalk === null || colLayout === null ? (
                <p class="muted">Walking upstream…</p>
              ) : (
                <>
                  {truncatedText(colWalk.truncated, colWalk) ? (
                    <p class="notice truncated" role="status" data-walk="columns">
                      {truncatedText(colWalk.truncated, colWalk)}
                    </p>
                  ) : null}
                  {colEdges.length === 0 ? (
                    <p class="muted">Nothing feeds it: no recorded edge ends at this column.</p>
                  ) : (
                    <>
                      <p class="muted small">
                        {colEdges.length} edge{colEdges.length === 1 ? "" : "s"} over {colWalk.depth} hop{colWalk.depth === 1 ? "" : "s"}; a column named <code>*</code> is its dataset's rows (what decided
                        them: join keys, filters, grouping).
                      </p>
                      <LineageGraph
                        svg={lineageSvg(colLayout, {
                          title: `Column lineage of ${start.dataset} ${start.column}`,
                          focus: columnId(start),
                          hrefOf: (id) => {
                            const r = columnOfId(id);
                            return lineageHref({ ...q, dataset: r.dataset, column: r.column });
                          },
                          nodeLabel: (id) => {
                            const r = columnOfId(id);
                            return `${r.dataset} column ${columnText(r.column)}`;
                          },
                        })}
                        onPick={(href) => go(readLineageQuery(new URL(href, location.origin).search))}
                      />
                      <LineageLegend used={kindsUsed(colEdges)} />
                      <table class="plain column-path">
                        <caption class="sr">Every hop upstream, nearest first</caption>
                        <thead>
                          <tr>
                            <th scope="col">Hop</th>
                            <th scope="col">From</th>
                            <th scope="col">How</th>
                            <th scope="col">Into</th>
                            <th scope="col">DAG</th>
                            <th scope="col">Task</th>
                            <th scope="col">Run</th>
                          </tr>
                        </thead>
                        <tbody>
                          {hops.map(({ hop, edge: e }) => {
                            const k = edgeKind(e.type, e.subtype);
                            return (
                              <tr data-from={columnId(e.from)} data-to={columnId(e.to)} data-kind={`${e.type}/${e.subtype}`}>
                                <td>{hop}</td>
                                <td>
                                  <a class="mono" href={lineageHref({ ...q, dataset: e.from.dataset, column: e.from.column })}>
                                    {`${e.from.dataset} · ${columnText(e.from.column)}`}
                                  </a>
                                </td>
                                <td class="edge-kind">
                                  <span class={`kind-chip ${edgeKindClass(e.type, e.subtype)}`}>
                                    {e.type} · {k.word}
                                  </span>
                                  <div class="muted small">{k.meaning}</div>
                                </td>
                                <td class="mono">{`${e.to.dataset} · ${columnText(e.to.column)}`}</td>
                                <Writer dagId={e.dagId} taskId={e.taskId} runId={e.runId} />
                              </tr>
                            );
                          })}
                        </tbody>
                      </table>
                    </>
                  )}
                </>
              )}
            </section>
          ) : null}
        </>
      )}
    </section>
  );
}

mountPage(() => <LineagePage />);
