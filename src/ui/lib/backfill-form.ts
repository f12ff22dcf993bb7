import { issuesByField, readParams, type FieldIssue, type ParamField } from "./param-form";

/**
 * The backfill form: its fields read back as the body of `POST /api/dags/{dagId}/backfills`, and
 * the API's 400 `issues` (`from`, `to`, `maxActiveRuns`, `params.volume`) put next to their field.
 * Pure. Dates and ranges are the API's to judge (it reads them in the DAG's timezone); here only
 * what the form itself can tell: required, a whole number, a known choice.
 */

export const REPROCESS = [
  { value: "missing", text: "missing: dates without a successful run" },
  { value: "failed", text: "failed: those, and dates whose latest run failed or was cancelled" },
  { value: "all", text: "all: every date, rerunning every task" },
] as const;
export type Reprocess = (typeof REPROCESS)[number]["value"];

/** The form's own fields (the params' fields are named `params.<name>`). */
export const BACKFILL_FIELDS = ["from", "to", "reprocess", "maxActiveRuns", "newestFirst"] as const;
export type BackfillField = (typeof BACKFILL_FIELDS)[number];

export interface BackfillFormValues {
  from: string;
  to: string;
  reprocess: string;
  maxActiveRuns: string;
  newestFirst: boolean;
  /** The params' fields by param name, as the param form reads them. */
  params: Record<string, string | boolean | undefined>;
}

export interface BackfillBody {
  from: string;
  to: string;
  reprocess: Reprocess;
  newestFirst: boolean;
  maxActiveRuns?: number;
  params: Record<string, unknown>;
  dryRun: boolean;
}

/** Field keys for errors: the form's own names, and `params.<name>` for a param. */
export const paramKey = (name: string) => `params.${name}`;

export function readBackfillForm(
  values: BackfillFormValues,
  paramFields: readonly ParamField[],
  dryRun: boolean,
): { body: BackfillBody; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const from = values.from.trim();
  const to = values.to.trim();
  if (from === "") issues.push({ field: "from", message: "is required" });
  if (to === "") issues.push({ field: "to", message: "is required" });
  const reprocess = REPROCESS.find((r) => r.value === values.reprocess)?.value;
  if (reprocess === undefined) issues.push({ field: "reprocess", message: "choose missing, failed or all" });
  const maxText = values.maxActiveRuns.trim();
  let maxActiveRuns: number | undefined;
  if (maxText !== "") {
    const n = Number(maxText);
    if (!Number.isSafeInteger(n) || n < 1) issues.push({ field: "maxActiveRuns", message: "must be a whole number ≥ 1" });
    else maxActiveRuns = n;
  }
  const params = readParams(paramFields, values.params);
  for (const i of params.issues) issues.push({ field: paramKey(i.field), message: i.message });
  return {
    body: {
      from,
      to,
      reprocess: reprocess ?? "missing",
      newestFirst: values.newestFirst,
      ...(maxActiveRuns === undefined ? {} : { maxActiveRuns }),
      params: params.params,
      dryRun,
    },
    issues,
  };
}

/**
 * The API's issues by field key (`from`, `params.volume`, …); an issue naming no field of the
 * form (`dagId`, an unknown key) goes to `other`, shown above the form.
 */
export function backfillIssuesByField(
  issues: ReadonlyArray<{ path: string; message: string }>,
  paramFields: readonly ParamField[],
): { byField: Record<string, string[]>; other: string[] } {
  const byField: Record<string, string[]> = {};
  const rest: Array<{ path: string; message: string }> = [];
  for (const i of issues) {
    const own = BACKFILL_FIELDS.find((f) => i.path === f || i.path.startsWith(`${f}.`) || i.path.startsWith(`${f}[`));
    if (own) (byField[own] ??= []).push(i.message);
    else rest.push(i);
  }
  const params = issuesByField(rest, paramFields);
  for (const [name, msgs] of Object.entries(params.byField)) byField[paramKey(name)] = msgs;
  return { byField, other: params.other };
}
