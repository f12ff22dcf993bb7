import { formatInZone } from "./time-text";
import { code, hrefs, joinWords, link, type Words } from "./words";

/**
 * What started a run, in words, from the run's `trigger: { type, detail }` (the API's shape for
 * every kind: api, cron, backfill, webhook, r2, upstream, dataset, dag). Pure; detail fields are
 * read defensively (older runs may lack some), and anything unknown still says its type.
 */

export interface RunTriggerInput {
  type: string;
  detail?: Record<string, unknown> | undefined;
}

export interface TriggerDescription {
  /** One sentence: who or what started the run. */
  summary: Words;
  /** Details under it, one line each (the files of a batch, the dataset updates). */
  items: Words[];
}

/** At most this many files or dataset updates are listed; the rest are counted. */
export const MAX_ITEMS = 20;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const rec = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `1.2 KB`, `340 B`, `5.0 MB`. */
export function formatBytes(n: unknown): string | undefined {
  if (typeof n !== "number" || !Number.isFinite(n)) return undefined;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function objectWords(o: Record<string, unknown>): Words {
  const bucket = str(o.bucket) ?? "?";
  const key = str(o.key) ?? "?";
  const size = formatBytes(o.size);
  const action = str(o.action);
  const extra = [size, action].filter((x) => x !== undefined).join(", ");
  return [code(key), ` in bucket `, code(bucket), ...(extra ? [` (${extra})`] : [])];
}

function capped<T>(items: T[], words: (t: T) => Words, noun: string): Words[] {
  const shown = items.slice(0, MAX_ITEMS).map(words);
  if (items.length > MAX_ITEMS) shown.push([`… and ${items.length - MAX_ITEMS} more ${noun}`]);
  return shown;
}

export function describeRunTrigger(trigger: RunTriggerInput, opts: { timezone?: string } = {}): TriggerDescription {
  const d = trigger.detail ?? {};
  const tz = opts.timezone ?? "UTC";
  switch (trigger.type) {
    case "api":
      return { summary: ["Triggered by hand (the API or this UI's Trigger form)"], items: [] };
    case "cron": {
      const schedule = str(d.schedule);
      const zone = str(d.timezone) ?? tz;
      return { summary: schedule ? ["The schedule ", code(schedule), ` (${zone})`] : ["The DAG's schedule"], items: [] };
    }
    case "backfill": {
      const id = str(d.backfillId);
      return { summary: id ? ["Backfill ", code(id, hrefs.backfill(id))] : ["A backfill"], items: [] };
    }
    case "webhook": {
      const at = str(d.receivedAt);
      const body = d.body === undefined ? undefined : JSON.stringify(d.body);
      return {
        summary: ["A signed webhook", ...(at ? [` received ${formatInZone(at, tz)}`] : [])],
        items: body === undefined ? [] : [["body ", code(body.length > 200 ? `${body.slice(0, 199)}…` : body)]],
      };
    }
    case "r2": {
      if (d.object !== undefined) return { summary: ["A file arriving in R2: ", ...objectWords(rec(d.object))], items: [] };
      const objects = list(d.objects).map(rec);
      const n = objects.length;
      return {
        summary: [`A batch of ${n} file${n === 1 ? "" : "s"} arriving in R2`, ...(str(d.batchId) ? [" (batch ", code(str(d.batchId) ?? ""), ")"] : [])],
        items: capped(objects, objectWords, "files"),
      };
    }
    case "upstream": {
      const u = rec(d.upstream);
      const dagId = str(u.dagId);
      const runId = str(u.runId);
      const status = str(u.status);
      const logical = str(u.logicalDate);
      return {
        summary: [
          "The end of upstream DAG ",
          ...(dagId ? [link(dagId, hrefs.dag(dagId))] : ["?"]),
          "'s run ",
          ...(runId ? [code(runId.slice(0, 12), hrefs.run(runId))] : ["?"]),
          ...(status ? [` (${status})`] : []),
          ...(logical ? [`, logical date ${formatInZone(logical, tz)}`] : []),
        ],
        items: [],
      };
    }
    case "dataset": {
      const events = list(d.events).map(rec);
      const uris = [...new Set(events.map((e) => str(e.uri)).filter((u): u is string => u !== undefined))];
      return {
        summary: [`${events.length} dataset update${events.length === 1 ? "" : "s"}: `, ...joinWords(uris.map((u) => [code(u, hrefs.dataset(u))]))],
        items: capped(
          events,
          (e) => {
            const uri = str(e.uri) ?? "?";
            const dagId = str(e.dagId);
            const runId = str(e.runId);
            const at = typeof e.at === "number" ? new Date(e.at).toISOString() : str(e.at);
            return [
              code(uri, hrefs.dataset(uri)),
              " updated by ",
              ...(dagId ? [link(dagId, hrefs.dag(dagId))] : ["?"]),
              ...(str(e.taskId) ? [`.${str(e.taskId) ?? ""}`] : []),
              ...(runId ? [" in run ", code(runId.slice(0, 12), hrefs.run(runId))] : []),
              ...(at ? [` at ${formatInZone(at, tz)}`] : []),
            ];
          },
          "updates",
        ),
      };
    }
    case "dag": {
      const parent = str(d.parentRunId);
      const dagId = str(d.parentDagId);
      const task = str(d.taskId);
      return {
        summary: [
          "Task ",
          code(task ?? "?"),
          " of parent DAG ",
          ...(dagId ? [link(dagId, hrefs.dag(dagId))] : ["?"]),
          ...(parent ? [", run ", code(parent.slice(0, 12), hrefs.run(parent))] : []),
        ],
        items: [],
      };
    }
    default:
      return { summary: [`A ${trigger.type} trigger`], items: [] };
  }
}
