import { useEffect, useState } from "hono/jsx/dom";
import type { ParamsSpec } from "../../../dag/params";
import { issuesByField, paramFields, readParams, type ParamField } from "../../lib/param-form";
import { ParamControl } from "../components/param-control";
import { api, ApiError, jsonBody, read } from "../api";
import { mountPage, pageParam } from "../mount";

const dagId = pageParam("dagid");

/** The trigger form, generated from the DAG's params; the API's 400 issues appear next to their field. */
function TriggerPage() {
  const [fields, setFields] = useState<ParamField[] | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [other, setOther] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void (async () => {
      const body = await read(await api.api.dags[":dagId"].$get({ param: { dagId }, query: {} }));
      setFields(paramFields((body.spec as { params?: ParamsSpec }).params));
    })().catch((e: unknown) => setOther([e instanceof Error ? e.message : String(e)]));
  }, []);

  const focusFirstError = (names: string[]) => {
    const first = names[0];
    if (first) setTimeout(() => document.getElementById(`param-${first}`)?.focus(), 0);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!fields) return;
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const values: Record<string, string | boolean> = {};
    for (const f of fields) values[f.name] = f.control === "checkbox" ? data.get(f.name) === "on" : String(data.get(f.name) ?? "");
    const { params, issues } = readParams(fields, values);
    if (issues.length > 0) {
      const byField: Record<string, string[]> = {};
      for (const i of issues) (byField[i.field] ??= []).push(i.message);
      setErrors(byField);
      setOther([]);
      return focusFirstError(Object.keys(byField));
    }
    const runKey = String(data.get("runKey") ?? "").trim();
    setBusy(true);
    try {
      const res = await read(
        await api.api.dags[":dagId"].runs.$post({ param: { dagId } }, jsonBody({ params, ...(runKey ? { runKey } : {}) })),
      );
      location.assign(`/runs/${res.runId}`);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.issues.length > 0) {
        const split = issuesByField(err.issues, fields);
        setErrors(split.byField);
        setOther(split.other);
        focusFirstError(fields.map((f) => f.name).filter((n) => split.byField[n]));
      } else {
        setErrors({});
        setOther([err instanceof Error ? err.message : String(err)]);
      }
    }
  };

  return (
    <section class="card trigger-form" style="max-width: 720px">
      <h1>
        Trigger <a href={`/dags/${encodeURIComponent(dagId)}`}>{dagId}</a>
      </h1>
      {other.length > 0 ? (
        <div class="error" role="alert">
          {other.map((m) => (
            <p>{m}</p>
          ))}
        </div>
      ) : null}
      {fields === null ? (
        <p class="muted">Loading the DAG's params…</p>
      ) : (
        <form onSubmit={submit} noValidate aria-label={`Trigger ${dagId}`}>
          {fields.length === 0 ? <p class="muted">This DAG declares no params.</p> : null}
          {fields.map((f) => {
            const errs = errors[f.name] ?? [];
            const errId = `param-${f.name}-error`;
            const hintId = `param-${f.name}-hint`;
            return (
              <div class={`field${errs.length > 0 ? " has-error" : ""}`} data-param={f.name}>
                <label for={`param-${f.name}`}>
                  {f.name}
                  {f.required ? <span class="muted"> (required)</span> : null}
                </label>
                <ParamControl f={f} invalid={errs.length > 0} describedBy={`${hintId} ${errId}`} />
                <p class="hint" id={hintId}>
                  {f.description ? `${f.description} · ` : ""}
                  {f.hint}
                </p>
                <p class="field-error" id={errId} role={errs.length > 0 ? "alert" : undefined}>
                  {errs.length > 0 ? `${f.name} ${errs.join("; ")}` : ""}
                </p>
              </div>
            );
          })}
          <div class="field">
            <label for="runKey">Run key (optional)</label>
            <input id="runKey" name="runKey" type="text" aria-describedby="runKey-hint" />
            <p class="hint" id="runKey-hint">
              Triggering again with the same key returns the existing run instead of starting one.
            </p>
          </div>
          <button type="submit" class="primary" disabled={busy}>
            Trigger
          </button>
        </form>
      )}
    </section>
  );
}

mountPage(() => <TriggerPage />);
