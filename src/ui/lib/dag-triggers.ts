import { code, hrefs, joinWords, link, type Words } from "./words";

/**
 * What starts a DAG, in words, from its spec: its schedule and each of its `triggers` (R2 file
 * arrival, signed webhook, upstream DAG, datasets), linking upstream DAGs and datasets. Pure.
 */

export interface DagTriggerSpec {
  schedule?: string;
  timezone?: string;
  startDate?: string;
  endDate?: string;
  catchup?: boolean;
  onPausedEvents?: "keep" | "drop";
  triggers?: ReadonlyArray<Record<string, unknown> & { type: string }>;
}

export interface DagTriggerLine {
  kind: "schedule" | "r2" | "webhook" | "dag" | "datasets" | "manual" | "paused" | (string & {});
  /** A short name for the kind ("Schedule", "R2 file arrival", …). */
  title: string;
  words: Words;
}

const PRESETS: Record<string, string> = {
  "@hourly": "every hour, on the hour",
  "@daily": "every day at 00:00",
  "@midnight": "every day at 00:00",
  "@weekly": "every Sunday at 00:00",
  "@monthly": "on the 1st of every month at 00:00",
  "@yearly": "every 1 January at 00:00",
  "@annually": "every 1 January at 00:00",
};

const pad = (s: string) => s.padStart(2, "0");

/** A cron expression in words where that is simple (presets, a fixed daily or hourly time); otherwise undefined. */
export function cronInWords(expression: string): string | undefined {
  const preset = PRESETS[expression.trim()];
  if (preset) return preset;
  const f = expression.trim().split(/\s+/);
  if (f.length !== 5) return undefined;
  const [min, hour, dom, mon, dow] = f as [string, string, string, string, string];
  const num = /^\d{1,2}$/;
  const every = /^\*\/(\d{1,2})$/;
  if (dom === "*" && mon === "*" && dow === "*") {
    if (num.test(min) && num.test(hour)) return `every day at ${pad(hour)}:${pad(min)}`;
    if (num.test(min) && hour === "*") return `every hour at minute ${Number(min)}`;
    const m = every.exec(min);
    if (m && hour === "*") return `every ${Number(m[1])} minutes`;
    if (min === "*" && hour === "*") return "every minute";
  }
  return undefined;
}

function scheduleLine(s: DagTriggerSpec): DagTriggerLine {
  const expr = s.schedule ?? "";
  const inWords = cronInWords(expr);
  const tz = s.timezone ?? "UTC";
  return {
    kind: "schedule",
    title: "Schedule",
    words: [
      code(expr),
      inWords ? ` (${inWords})` : "",
      ` in ${tz}`,
      ...(s.startDate ? [`, from ${s.startDate}`] : []),
      ...(s.endDate ? [` until ${s.endDate}`] : []),
      s.catchup === true ? "; catchup on: every missed interval runs, oldest first" : "; catchup off: only the latest complete interval runs",
    ].filter((w) => w !== ""),
  };
}

function triggerLine(dagId: string, t: Record<string, unknown> & { type: string }): DagTriggerLine {
  switch (t.type) {
    case "r2": {
      const events = Array.isArray(t.events) ? (t.events as string[]) : ["object-create"];
      const batch = typeof t.batch === "object" && t.batch !== null ? (t.batch as { windowSeconds?: number; maxObjects?: number }) : undefined;
      return {
        kind: "r2",
        title: "R2 file arrival",
        words: [
          events.includes("object-delete") && !events.includes("object-create") ? "A file deleted from bucket " : events.length > 1 ? "A file created or deleted in bucket " : "A file landing in bucket ",
          code(String(t.bucket ?? "?")),
          ...(typeof t.prefix === "string" ? [" under ", code(t.prefix)] : []),
          ...(typeof t.suffix === "string" ? [" ending in ", code(t.suffix)] : []),
          batch
            ? `: files arriving within ${batch.windowSeconds ?? "?"} s${batch.maxObjects ? ` (at most ${batch.maxObjects})` : ""} share one run`
            : ": one run per file version",
        ],
      };
    }
    case "webhook":
      return {
        kind: "webhook",
        title: "Webhook",
        words: ["A signed ", code(`POST /hooks/${dagId}`), " (HMAC-SHA256 with the Worker secret ", code(String(t.secret ?? "?")), "); the JSON body is ", code("trigger.body")],
      };
    case "dag": {
      const up = String(t.dagId ?? "?");
      const statuses = Array.isArray(t.statuses) ? (t.statuses as string[]) : ["success"];
      return {
        kind: "dag",
        title: "Upstream DAG",
        words: ["Each run of ", link(up, hrefs.dag(up)), ` that ends ${statuses.join(" or ")}, for the same logical date`],
      };
    }
    case "datasets": {
      const uris = Array.isArray(t.datasets) ? (t.datasets as string[]) : [];
      const mode = t.mode === "any" ? "any" : "all";
      const items = uris.map((u) => [code(u, hrefs.dataset(u))]);
      return {
        kind: "datasets",
        title: "Datasets",
        words:
          mode === "any" || uris.length === 1
            ? ["Each update of ", ...joinWords(items, " or ")]
            : ["Once ", ...joinWords(items), ` were all updated since the last such run`],
      };
    }
    default:
      return { kind: t.type, title: t.type, words: [`A ${t.type} trigger`] };
  }
}

/** One line per way the DAG starts, schedule first; a DAG with none says it starts by hand. */
export function describeDagTriggers(dagId: string, spec: DagTriggerSpec): DagTriggerLine[] {
  const lines: DagTriggerLine[] = [];
  if (spec.schedule) lines.push(scheduleLine(spec));
  for (const t of spec.triggers ?? []) lines.push(triggerLine(dagId, t));
  if (lines.length === 0) lines.push({ kind: "manual", title: "By hand", words: ["No schedule or event trigger: runs start from the Trigger form, the API, or a parent DAG's task"] });
  else if ((spec.triggers ?? []).length > 0)
    lines.push({
      kind: "paused",
      title: "While paused",
      words: [spec.onPausedEvents === "drop" ? "Events arriving while paused are dropped" : "Events arriving while paused are kept and start their runs on unpause"],
    });
  return lines;
}
