/**
 * Sentences the UI builds from data (what started a run, what starts a DAG): plain text with
 * links in it, as data, so pure code can decide the words and a component only draws them.
 */
import { lineageHref } from "./lineage-href";

export type Word = string | { text: string; href?: string; code?: boolean };
export type Words = Word[];

/** The UI's address of a DAG, a run, a backfill or a dataset (path params encoded). */
export const hrefs = {
  dag: (dagId: string) => `/dags/${encodeURIComponent(dagId)}`,
  run: (runId: string) => `/runs/${encodeURIComponent(runId)}`,
  backfill: (backfillId: string) => `/backfills/${encodeURIComponent(backfillId)}`,
  dataset: (uri: string) => `/datasets?uri=${encodeURIComponent(uri)}`,
  lineage: (uri: string, column?: string) => lineageHref({ dataset: uri, ...(column === undefined ? {} : { column }) }),
  /** A task's card on its run's page. */
  task: (runId: string, taskId: string) => `/runs/${encodeURIComponent(runId)}#task-${encodeURIComponent(taskId)}`,
};

/** Words as plain text (tests, titles, aria-labels). */
export function wordsText(words: Words): string {
  return words.map((w) => (typeof w === "string" ? w : w.text)).join("");
}

/** A code span (an expression, a key, a URI), linked when `href` is given. */
export const code = (text: string, href?: string): Word => (href === undefined ? { text, code: true } : { text, href, code: true });
/** A link. */
export const link = (text: string, href: string): Word => ({ text, href });

/** "a", "a and b", "a, b and c" with each item's words. */
export function joinWords(items: Words[], last = " and "): Words {
  const out: Words = [];
  items.forEach((it, i) => {
    if (i > 0) out.push(i === items.length - 1 ? last : ", ");
    out.push(...it);
  });
  return out;
}
