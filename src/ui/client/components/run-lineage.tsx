import { useEffect, useState } from "hono/jsx/dom";
import { hrefs } from "../../lib/words";
import { api, read } from "../api";

type RunLineage = Awaited<ReturnType<typeof read<Awaited<ReturnType<(typeof api.api.runs)[":runId"]["lineage"]["$get"]>>>>>;

/** A dataset as a link to its lineage page. */
function DatasetLink(props: { uri: string }) {
  return (
    <a class="mono" href={hrefs.lineage(props.uri)}>
      {props.uri}
    </a>
  );
}

/**
 * A run's lineage (`GET /api/runs/{id}/lineage`): the datasets it read and wrote, each linking its
 * lineage page, and per successful attempt what it read and wrote (rows changed where D1 counted
 * them) with its column edges. Reloaded when `version` changes (the run moved).
 */
export function RunLineage(props: { runId: string; version: string }) {
  const [lineage, setLineage] = useState<RunLineage | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    void (async () => setLineage(await read(await api.api.runs[":runId"].lineage.$get({ param: { runId: props.runId } }))))().catch((e: unknown) =>
      setError(e instanceof Error ? e.message : String(e)),
    );
  }, [props.version]);
  if (error) return <p class="error">{error}</p>;
  if (!lineage) return <p class="muted">Loading lineage…</p>;
  if (lineage.tasks.length === 0) return <p class="muted">Nothing recorded: lineage is recorded when a task that reads or writes datasets succeeds.</p>;
  return (
    <div class="run-lineage" id="run-lineage">
      <div class="io">
        <div>
          <h3>Read</h3>
          {lineage.datasets.read.length === 0 ? (
            <p class="muted small">nothing</p>
          ) : (
            <ul class="read">
              {lineage.datasets.read.map((u) => (
                <li>
                  <DatasetLink uri={u} />
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Wrote</h3>
          {lineage.datasets.written.length === 0 ? (
            <p class="muted small">nothing</p>
          ) : (
            <ul class="written">
              {lineage.datasets.written.map((u) => (
                <li>
                  <DatasetLink uri={u} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <table class="plain run-lineage-tasks">
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Read</th>
            <th scope="col">Wrote</th>
            <th scope="col">Column edges</th>
          </tr>
        </thead>
        <tbody>
          {lineage.tasks.map((t) => (
            <tr data-task={t.taskKey}>
              <td>
                <a href={`#task-${encodeURIComponent(t.taskId)}`}>{t.taskKey}</a> <span class="muted small">#{t.attempt}</span>
              </td>
              <td>
                {t.inputs.length === 0 ? <span class="muted">—</span> : t.inputs.map((u) => <div><DatasetLink uri={u} /></div>)}
              </td>
              <td>
                {t.outputs.length === 0 ? (
                  <span class="muted">—</span>
                ) : (
                  t.outputs.map((o) => (
                    <div>
                      <DatasetLink uri={o.dataset} /> <span class="muted small">{o.rowsChanged === null ? "rows not counted" : `${o.rowsChanged.toLocaleString("en")} row${o.rowsChanged === 1 ? "" : "s"} changed`}</span>
                    </div>
                  ))
                )}
              </td>
              <td>
                {t.edges.length}
                {t.complete ? "" : <span class="muted small"> (incomplete)</span>}
                {t.reasons.map((r) => (
                  <div class="muted small">{r}</div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
