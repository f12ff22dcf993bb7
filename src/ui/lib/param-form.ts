import type { ParamSpec, ParamsSpec } from "../../dag/params";

/**
 * The trigger form, generated from a DAG's `params` declaration. Pure: `paramFields` says which
 * control each param gets (enums as selects, booleans as checkboxes, numbers as number inputs,
 * dates as date inputs, arrays and objects as JSON) with its default filled in; `readParams` turns
 * the form's text back into typed values (types are enforced here; ranges, patterns and enums are
 * the API's to check, and its 400 `issues` come back to the field through `issuesByField`).
 */

export type ParamControl = "select" | "checkbox" | "number" | "date" | "text" | "json";

export interface ParamField {
  name: string;
  type: ParamSpec["type"];
  control: ParamControl;
  required: boolean;
  description?: string;
  /** Select options: the enum's values as text, with the value they stand for. */
  options?: Array<{ text: string; value: string | number | boolean }>;
  min?: number;
  max?: number;
  step?: string;
  /** What the field starts with (the default, as the control shows it). */
  initial: string | boolean;
  /** A short note under the field: the type and the bounds. */
  hint: string;
}

function controlOf(p: ParamSpec): ParamControl {
  if (p.enum !== undefined) return "select";
  switch (p.type) {
    case "boolean":
      return "checkbox";
    case "number":
    case "integer":
      return "number";
    case "date":
      return "date";
    case "array":
    case "object":
      return "json";
    default:
      return "text";
  }
}

function initialOf(p: ParamSpec, control: ParamControl): string | boolean {
  const d = p.default;
  if (control === "checkbox") return d === true;
  if (d === undefined) return control === "select" && p.required !== true ? "" : control === "select" ? String(p.enum?.[0] ?? "") : "";
  if (control === "json") return JSON.stringify(d);
  return String(d);
}

function hintOf(p: ParamSpec): string {
  const parts: string[] = [p.type];
  if (p.minimum !== undefined) parts.push(`≥ ${p.minimum}`);
  if (p.maximum !== undefined) parts.push(`≤ ${p.maximum}`);
  if (p.pattern !== undefined) parts.push(`matches ${p.pattern}`);
  if (p.type === "datetime") parts.push("ISO 8601 with a time zone, e.g. 2026-12-01T00:00:00Z");
  if (p.type === "array" || p.type === "object") parts.push("as JSON");
  if (p.default !== undefined) parts.push(`default ${JSON.stringify(p.default)}`);
  return parts.join(" · ");
}

export function paramFields(spec: ParamsSpec | undefined): ParamField[] {
  return Object.entries(spec ?? {}).map(([name, p]) => {
    const control = controlOf(p);
    return {
      name,
      type: p.type,
      control,
      required: p.required === true && p.default === undefined,
      ...(p.description === undefined ? {} : { description: p.description }),
      ...(p.enum === undefined ? {} : { options: p.enum.map((v) => ({ text: String(v), value: v })) }),
      ...(p.minimum === undefined ? {} : { min: p.minimum }),
      ...(p.maximum === undefined ? {} : { max: p.maximum }),
      ...(control === "number" ? { step: p.type === "integer" ? "1" : "any" } : {}),
      initial: initialOf(p, control),
      hint: hintOf(p),
    };
  });
}

export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * The form's values as the API's `params`: numbers parsed, JSON parsed, a select's text mapped
 * back to its enum value. An empty optional field is left out (the API fills its default).
 */
export function readParams(
  fields: readonly ParamField[],
  values: Readonly<Record<string, string | boolean | undefined>>,
): { params: Record<string, unknown>; issues: FieldIssue[] } {
  const params: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const f of fields) {
    const raw = values[f.name];
    if (f.control === "checkbox") {
      params[f.name] = raw === true;
      continue;
    }
    const text = typeof raw === "string" ? raw.trim() : "";
    if (text === "") {
      if (f.required) issues.push({ field: f.name, message: "is required" });
      continue;
    }
    switch (f.control) {
      case "select": {
        const option = f.options?.find((o) => o.text === text);
        if (option === undefined) issues.push({ field: f.name, message: "choose one of the listed values" });
        else params[f.name] = option.value;
        break;
      }
      case "number": {
        const n = Number(text);
        if (!Number.isFinite(n)) issues.push({ field: f.name, message: "must be a number" });
        else if (f.type === "integer" && !Number.isSafeInteger(n)) issues.push({ field: f.name, message: "must be an integer" });
        else params[f.name] = n;
        break;
      }
      case "json": {
        try {
          const v: unknown = JSON.parse(text);
          const ok = f.type === "array" ? Array.isArray(v) : typeof v === "object" && v !== null && !Array.isArray(v);
          if (ok) params[f.name] = v;
          else issues.push({ field: f.name, message: f.type === "array" ? "must be a JSON array" : "must be a JSON object" });
        } catch {
          issues.push({ field: f.name, message: "is not valid JSON" });
        }
        break;
      }
      default:
        params[f.name] = text;
    }
  }
  return { params, issues };
}

/**
 * The API's 400 issues (`params.volume`, `params.regions[2]`) by the field they belong to; issues
 * naming no field of the form are returned in `other`, shown above it.
 */
export function issuesByField(
  issues: ReadonlyArray<{ path: string; message: string }>,
  fields: readonly ParamField[],
): { byField: Record<string, string[]>; other: string[] } {
  const names = new Set(fields.map((f) => f.name));
  const byField: Record<string, string[]> = {};
  const other: string[] = [];
  for (const i of issues) {
    const m = /^params\.([A-Za-z_][A-Za-z0-9_]*)(.*)$/.exec(i.path);
    const name = m?.[1];
    if (name !== undefined && names.has(name)) {
      const where = m?.[2] ? `${m[2].replace(/^\./, "")}: ` : "";
      (byField[name] ??= []).push(`${where}${i.message}`);
    } else other.push(`${i.path}: ${i.message}`);
  }
  return { byField, other };
}
