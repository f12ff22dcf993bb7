import { useEffect, useState } from "hono/jsx/dom";
import { relativeTime } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { api, read } from "../api";
import { usePoll } from "../live";
import { mountPage } from "../mount";

type Pools = Awaited<ReturnType<typeof read<Awaited<ReturnType<typeof api.api.pools.$get>>>>>["pools"];

/** A task key (`load` or `load[3]`, a mapped instance) as a link to its card on the run page. */
function TaskLink(props: { runId: string; taskKey: string }) {
  const base = props.taskKey.replace(/\[\d+\]$/, "");
  return (
    <a class="mono" href={`${hrefs.run(props.runId)}#task-${encodeURIComponent(base)}`}>
      {props.taskKey}
    </a>
  );
}

/** Pools: slots, used, queued, the holders and the first waiting tasks, each linking its run and task; live. */
function PoolsPage() {
  const [pools, setPools] = useState<Pools | null>(null);
  const [error, setError] = useState("");
  const load = async (): Promise<boolean> => {
    const body = await read(await api.api.pools.$get());
    const changed = JSON.stringify(body.pools) !== JSON.stringify(pools);
    if (changed) setPools(body.pools);
    return changed;
  };
  useEffect(() => {
    void load().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  usePoll(load, pools !== null);
  const now = Date.now();

  return (
    <section>
      <div class="page-head">
        <h1>Pools</h1>
        <span class="muted">Limits shared by every run and DAG: a task naming a pool waits for a free slot.</span>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {pools === null ? (
        <p class="muted">Loading pools…</p>
      ) : pools.length === 0 ? (
        <p class="muted">
          No pools yet. Create one with <code>PUT /api/pools/{"{name}"}</code> and <code>{'{ "slots": 2 }'}</code>.
        </p>
      ) : (
        <div class="pool-list">
          {pools.map((p) => (
            <article class="panel pool" data-pool={p.name} aria-labelledby={`pool-${p.name}`}>
              <div class="section-head">
                <h2 id={`pool-${p.name}`}>{p.name}</h2>
                <span class="pool-usage" data-used={p.used} data-slots={p.slots}>{`${p.used} of ${p.slots} slot${p.slots === 1 ? "" : "s"} used, ${p.queued} waiting`}</span>
              </div>
              <div class="meter" role="meter" aria-valuemin={0} aria-valuemax={p.slots} aria-valuenow={p.used} aria-label={`${p.name}: ${p.used} of ${p.slots} slots used`}>
                <span style={`width:${Math.min(100, (p.used / Math.max(1, p.slots)) * 100)}%`}></span>
              </div>
              <h3>Holders</h3>
              {p.holders.length === 0 ? (
                <p class="muted small">No task holds a slot.</p>
              ) : (
                <table class="plain holders">
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      <th scope="col">Task</th>
                      <th scope="col">Attempt</th>
                      <th scope="col">Slots</th>
                      <th scope="col">Since</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.holders.map((h) => (
                      <tr data-holder={h.leaseId}>
                        <td>
                          <a class="mono" href={hrefs.run(h.runId)}>
                            {h.runId.slice(0, 12)}
                          </a>
                        </td>
                        <td>
                          <TaskLink runId={h.runId} taskKey={h.taskKey} />
                        </td>
                        <td>#{h.attempt}</td>
                        <td>{h.slots}</td>
                        <td title={h.since ?? ""}>{relativeTime(h.since, now)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {p.waiting.length > 0 ? (
                <>
                  <h3>{`Waiting (${p.queued}, in the order they will be granted)`}</h3>
                  <table class="plain waiting">
                    <thead>
                      <tr>
                        <th scope="col">Run</th>
                        <th scope="col">Task</th>
                        <th scope="col">Slots</th>
                        <th scope="col">Priority</th>
                        <th scope="col">Waiting since</th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.waiting.map((w) => (
                        <tr>
                          <td>
                            <a class="mono" href={hrefs.run(w.runId)}>
                              {w.runId.slice(0, 12)}
                            </a>
                          </td>
                          <td>
                            <TaskLink runId={w.runId} taskKey={w.taskKey} />
                          </td>
                          <td>{w.slots}</td>
                          <td>{w.priority}</td>
                          <td title={w.requestedAt ?? ""}>{relativeTime(w.requestedAt, now)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              ) : null}
            </article>
          ))}
        </div>
      )}
    </section>
  );
}

mountPage(() => <PoolsPage />);
