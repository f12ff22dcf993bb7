import type { Child } from "hono/jsx";
import { useEffect, useState } from "hono/jsx/dom";
import type { ParamsSpec } from "../../../dag/params";
import { backfillIssuesByField, paramKey, readBackfillForm, REPROCESS, type BackfillBody, type BackfillFormValues } from "../../lib/backfill-form";
import { paramFields, type ParamField } from "../../lib/param-form";
import { formatInZone } from "../../lib/time-text";
import { hrefs } from "../../lib/words";
import { api, ApiError, jsonBody, read } from "../api";
import { ParamControl } from "../components/param-control";
import { mountPage, pageParam } from "../mount";

const dagId = pageParam("dagid");

/** A field's error line (`role="alert"` once it has one), referenced by the control's aria-describedby. */
function FieldError(props: { id: string; label: string; errors: string[] | undefined }) {
  const errs = props.errors ?? [];
  return (
    <p class="field-error" id={props.id} role={errs.length > 0 ? "alert" : undefined}>
      {errs.length > 0 ? `${props.label} ${errs.join("; ")}` : ""}
    </p>
  );
}

/**
 * The backfill form: date range, reprocess, max active runs, newest first and the DAG's params.
 * "Dry run" asks the API for the dates first (nothing created) and shows them; "Create backfill"
 * then creates it and opens its page. The API's 400 issues appear next to their field.
 */
function BackfillNewPage() {
  const [fields, setFields] = useState<ParamField[] | null>(null);
  const [timezone, setTimezone] = useState("UTC");
  const [schedule, setSchedule] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [other, setOther] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  /** The dry run's answer, and the body it was asked with (Create sends the same). */
  const [plan, setPlan] = useState<{ body: BackfillBody; dates: string[] } | null>(null);

  useEffect(() => {
    void (async () => {
      const body = await read(await api.api.dags[":dagId"].$get({ param: { dagId }, query: {} }));
      setFields(paramFields((body.spec as { params?: ParamsSpec }).params));
      setTimezone((body as { timezone?: string }).timezone ?? "UTC");
      setSchedule((body as { schedule?: string | null }).schedule ?? null);
    })().catch((e: unknown) => setOther([e instanceof Error ? e.message : String(e)]));
  }, []);

  const show = (byField: Record<string, string[]>, rest: string[]) => {
    setErrors(byField);
    setOther(rest);
    const first = Object.keys(byField)[0];
    if (first) setTimeout(() => document.getElementById(`bf-${first.replace(".", "-")}`)?.focus(), 0);
  };

  const send = async (body: BackfillBody) => {
    if (!fields) return;
    setBusy(true);
    try {
      const res = await read(await api.api.dags[":dagId"].backfills.$post({ param: { dagId } }, jsonBody(body)));
      setErrors({});
      setOther([]);
      if (body.dryRun) setPlan({ body, dates: res.dates });
      else if (res.backfillId) location.assign(hrefs.backfill(res.backfillId));
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) {
        const split = backfillIssuesByField(err.issues, fields);
        show(split.byField, split.other);
      } else show({}, [err instanceof Error ? err.message : String(err)]);
      setPlan(null);
    } finally {
      setBusy(false);
    }
  };

  const dryRun = (e: Event) => {
    e.preventDefault();
    if (!fields) return;
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const text = (k: string) => String(data.get(k) ?? "");
    const values: BackfillFormValues = {
      from: text("from"),
      to: text("to"),
      reprocess: text("reprocess"),
      maxActiveRuns: text("maxActiveRuns"),
      newestFirst: data.get("newestFirst") === "on",
      params: Object.fromEntries(fields.map((f) => [f.name, f.control === "checkbox" ? data.get(paramKey(f.name)) === "on" : text(paramKey(f.name))])),
    };
    const { body, issues } = readBackfillForm(values, fields, true);
    if (issues.length > 0) {
      const byField: Record<string, string[]> = {};
      for (const i of issues) (byField[i.field] ??= []).push(i.message);
      setPlan(null);
      return show(byField, []);
    }
    void send(body);
  };

  const field = (key: string, label: string, control: (describedBy: string, invalid: boolean) => Child, hint?: string) => {
    const id = `bf-${key.replace(".", "-")}`;
    const errs = errors[key];
    return (
      <div class={`field${errs ? " has-error" : ""}`} data-field={key}>
        <label for={id}>{label}</label>
        {control(`${id}-hint ${id}-error`, errs !== undefined)}
        <p class="hint" id={`${id}-hint`}>
          {hint ?? ""}
        </p>
        <FieldError id={`${id}-error`} label={label} errors={errs} />
      </div>
    );
  };

  return (
    <section class="card trigger-form backfill-form" style="max-width: 760px">
      <h1>
        Backfill <a href={hrefs.dag(dagId)}>{dagId}</a>
      </h1>
      <p class="muted">
        Runs the DAG once per logical date of {schedule ? <code>{schedule}</code> : "every day (it has no schedule)"} in [from, to], read in{" "}
        {timezone}. Its runs have their own limit and do not wait behind scheduled runs.
      </p>
      {other.length > 0 ? (
        <div class="error" role="alert">
          {other.map((m) => (
            <p>{m}</p>
          ))}
        </div>
      ) : null}
      {fields === null ? (
        <p class="muted">Loading the DAG…</p>
      ) : (
        <form onSubmit={dryRun} onInput={() => setPlan(null)} noValidate aria-label={`Backfill ${dagId}`}>
          <div class="row">
            {field("from", "From", (d, inv) => <input id="bf-from" name="from" type="text" placeholder="2026-10-01" required aria-describedby={d} aria-invalid={inv ? "true" : undefined} />, `a date or date-time in ${timezone}, inclusive`)}
            {field("to", "To", (d, inv) => <input id="bf-to" name="to" type="text" placeholder="2026-10-31" required aria-describedby={d} aria-invalid={inv ? "true" : undefined} />, "inclusive")}
          </div>
          {field("reprocess", "Reprocess", (d) => (
            <select id="bf-reprocess" name="reprocess" aria-describedby={d}>
              {REPROCESS.map((r) => (
                <option value={r.value}>{r.text}</option>
              ))}
            </select>
          ))}
          {field(
            "maxActiveRuns",
            "Max active runs",
            (d, inv) => <input id="bf-maxActiveRuns" name="maxActiveRuns" type="number" min="1" max="1000" step="1" inputMode="numeric" aria-describedby={d} aria-invalid={inv ? "true" : undefined} />,
            "at most this many of the backfill's runs at once (empty: the DAG's maxActiveRuns)",
          )}
          <div class="field" data-field="newestFirst">
            <label class="check" for="bf-newestFirst">
              <input id="bf-newestFirst" name="newestFirst" type="checkbox" /> Newest first
            </label>
          </div>
          {fields.length > 0 ? (
            <fieldset>
              <legend>Params</legend>
              {fields.map((f) =>
                field(paramKey(f.name), f.name, (d, inv) => <ParamControl f={{ ...f, name: paramKey(f.name) }} id={`bf-params-${f.name}`} invalid={inv} describedBy={d} />, `${f.description ? `${f.description} · ` : ""}${f.hint}`),
              )}
            </fieldset>
          ) : null}
          <div class="form-actions">
            <button type="submit" class={plan ? "" : "primary"} disabled={busy}>
              Dry run
            </button>
            {plan ? (
              <button type="button" class="primary" disabled={busy || plan.dates.length === 0} onClick={() => void send({ ...plan.body, dryRun: false })}>
                {`Create backfill of ${plan.dates.length} date${plan.dates.length === 1 ? "" : "s"}`}
              </button>
            ) : null}
          </div>
        </form>
      )}
      {plan ? (
        <section class="dry-run" aria-labelledby="dry-run-h" aria-live="polite">
          <h2 id="dry-run-h">{`Dry run: ${plan.dates.length} date${plan.dates.length === 1 ? "" : "s"} would run`}</h2>
          {plan.dates.length === 0 ? <p class="muted">Nothing to do: every date in the window is already done for this reprocess choice.</p> : null}
          <ol class="dates">
            {plan.dates.slice(0, 500).map((d) => (
              <li data-date={d}>{formatInZone(d, timezone)}</li>
            ))}
          </ol>
          {plan.dates.length > 500 ? <p class="muted small">{`… and ${plan.dates.length - 500} more.`}</p> : null}
          <p class="muted small">Nothing has been created yet. Changing the form asks for a new dry run.</p>
        </section>
      ) : null}
    </section>
  );
}

mountPage(() => <BackfillNewPage />);
