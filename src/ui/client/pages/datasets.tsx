import { useEffect, useState } from "hono/jsx/dom";
import { formatInZone, relativeTime } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { api, read } from "../api";
import { JsonBlock } from "../components/json-block";
import { usePoll } from "../live";
import { mountPage } from "../mount";

type Datasets = Awaited<ReturnType<typeof read<Awaited<ReturnType<typeof api.api.datasets.$get>>>>>["datasets"];
type Events = Awaited<ReturnType<typeof read<Awaited<ReturnType<(typeof api.api.datasets)[":uri{.+}"]["events"]["$get"]>>>>>["events"];

/** The dataset picked by `?uri=` (links from DAG triggers and run pages land here). */
const picked = () => new URLSearchParams(location.search).get("uri");

/**
 * Datasets: URI, last update, producers (DAG and task) and consumers (DAGs a datasets trigger
 * starts), each a link; picking one shows its recent update events with their runs. Live.
 */
function DatasetsPage() {
  const [datasets, setDatasets] = useState<Datasets | null>(null);
  const [uri, setUri] = useState<string | null>(picked());
  const [events, setEvents] = useState<Events | null>(null);
  const [error, setError] = useState("");

  const load = async (): Promise<boolean> => {
    const body = await read(await api.api.datasets.$get());
    const changed = JSON.stringify(body.datasets) !== JSON.stringify(datasets);
    if (changed) setDatasets(body.datasets);
    return changed;
  };
  const loadEvents = async (u: string) => {
    const body = await read(await api.api.datasets[":uri{.+}"].events.$get({ param: { uri: encodeURIComponent(u) }, query: { limit: 50 } }));
    setEvents(body.events);
  };
  useEffect(() => {
    void load().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(() => {
    setEvents(null);
    if (uri !== null) void loadEvents(uri).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [uri]);
  usePoll(async () => {
    const changed = await load();
    if (changed && uri !== null) await loadEvents(uri);
    return changed;
  }, datasets !== null);
  useEffect(() => {
    const onPop = () => setUri(picked());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  const pick = (e: Event, u: string) => {
    e.preventDefault();
    history.pushState(null, "", hrefs.dataset(u));
    setUri(u);
  };
  const now = Date.now();
  return (
    <section>
      <div class="page-head">
        <h1>Datasets</h1>
        <span class="muted">What tasks write (their <code>datasets.outputs</code>) and which DAGs start when it changes.</span>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {datasets === null ? (
        <p class="muted">Loading datasets…</p>
      ) : datasets.length === 0 ? (
        <p class="muted">No datasets yet: a task with datasets.outputs records one when it succeeds.</p>
      ) : (
        <table class="dags datasets">
          <thead>
            <tr>
              <th scope="col">Dataset</th>
              <th scope="col">Last update</th>
              <th scope="col">Updates</th>
              <th scope="col">Producers</th>
              <th scope="col">Consumers</th>
              <th scope="col">Lineage</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr data-uri={d.uri} class={d.uri === uri ? "sel" : ""}>
                <td>
                  <a class="mono dag-link" href={hrefs.dataset(d.uri)} aria-current={d.uri === uri ? "true" : undefined} onClick={(e: Event) => pick(e, d.uri)}>
                    {d.uri}
                  </a>
                </td>
                <td title={d.lastUpdate ?? ""}>{d.lastUpdate ? `${formatInZone(d.lastUpdate, "UTC")} (${relativeTime(d.lastUpdate, now)})` : <span class="muted">never</span>}</td>
                <td>{d.events}</td>
                <td>
                  {d.producers.length === 0 ? (
                    <span class="muted small">none seen yet</span>
                  ) : (
                    d.producers.map((p) => (
                      <div>
                        <a href={hrefs.dag(p.dagId)}>{p.dagId}</a>
                        <span class="muted">.{p.taskId}</span>
                      </div>
                    ))
                  )}
                </td>
                <td>
                  {d.consumers.length === 0 ? (
                    <span class="muted small">none</span>
                  ) : (
                    d.consumers.map((c) => (
                      <div>
                        <a href={hrefs.dag(c)}>{c}</a>
                      </div>
                    ))
                  )}
                </td>
                <td>
                  <a class="lineage-link" href={hrefs.lineage(d.uri)} aria-label={`Lineage of ${d.uri}`}>
                    lineage
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {uri !== null ? (
        <section class="dataset-events" aria-labelledby="events-h">
          <h2 id="events-h">
            Recent updates of <code>{uri}</code>
          </h2>
          {events === null ? (
            <p class="muted">Loading updates…</p>
          ) : events.length === 0 ? (
            <p class="muted">No update recorded.</p>
          ) : (
            <table class="plain events">
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">DAG and task</th>
                  <th scope="col">Run</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Extra</th>
                </tr>
              </thead>
              <tbody>
                {events.map((ev) => (
                  <tr data-event={ev.eventId}>
                    <td title={ev.producedAt ?? ""}>{formatInZone(ev.producedAt, "UTC", { bare: true })}</td>
                    <td>
                      <a href={hrefs.dag(ev.dagId)}>{ev.dagId}</a>
                      <span class="muted">.{ev.taskId}</span>
                    </td>
                    <td>
                      <a class="mono" href={hrefs.run(ev.runId)}>
                        {ev.runId.slice(0, 12)}
                      </a>
                    </td>
                    <td>#{ev.attempt}</td>
                    <td>{ev.extra === null ? <span class="muted">—</span> : <JsonBlock value={ev.extra} label="extra" />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
    </section>
  );
}

mountPage(() => <DatasetsPage />);
