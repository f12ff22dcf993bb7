/**
 * Dataset URIs, built and read in one place. `d1://<table>` is a table or view
 * of the `DB` database; `task://<dagId>.<taskId>` is the result of a task
 * whose last statement is a SELECT (the rows it returns as its output), so a
 * bare SELECT still has somewhere for its column edges to go. Any other
 * `scheme://…` URI (`r2://bucket/prefix`, `https://host/path`) is taken as given.
 */

const D1_SCHEME = "d1://";
const TASK_SCHEME = "task://";

/** The URI of a table (or view) of the `DB` database; SQLite names are case-insensitive, so lower-cased. */
export function d1TableUri(table: string): string {
  return `${D1_SCHEME}${table.toLowerCase()}`;
}

/**
 * The one spelling of a dataset URI, so declared and derived lineage meet: a
 * `DB` table written `d1://DB/<table>` (as older specs did) is `d1://<table>`,
 * and table names are lower-cased. Other URIs are kept as written.
 */
export function canonicalDatasetUri(uri: string): string {
  if (!uri.startsWith(D1_SCHEME)) return uri;
  const rest = uri.slice(D1_SCHEME.length);
  return d1TableUri(rest.startsWith("DB/") ? rest.slice(3) : rest);
}

/** The table of a `d1://` URI, or null for any other dataset. */
export function d1TableOf(uri: string): string | null {
  return uri.startsWith(D1_SCHEME) ? uri.slice(D1_SCHEME.length) : null;
}

/** The dataset a task's returned rows form (its SELECT's output). */
export function taskResultUri(dagId: string, taskId: string): string {
  return `${TASK_SCHEME}${dagId}.${taskId}`;
}

/** `<dataset>#<column>` → its parts, or null when there is no `#` or a part is empty. */
export function parseColumnRef(text: string): { dataset: string; column: string } | null {
  const hash = text.lastIndexOf("#");
  if (hash <= 0 || hash === text.length - 1) return null;
  return { dataset: text.slice(0, hash), column: text.slice(hash + 1) };
}

/**
 * OpenLineage's naming: namespace = `scheme://authority`, name = the path
 * (`r2://bucket/a/b` → `r2://bucket`, `a/b`). A `d1://<table>` is named within
 * the database (`d1://<database>`, `<table>`), a URI without a path by its
 * scheme (`task://dag.task` → `task`, `dag.task`).
 */
export function openLineageDatasetName(uri: string, d1Database: string): { namespace: string; name: string } {
  const table = d1TableOf(uri);
  if (table !== null) return { namespace: `${D1_SCHEME}${d1Database}`, name: table };
  const scheme = uri.indexOf("://");
  if (scheme < 0) return { namespace: "default", name: uri };
  const rest = uri.slice(scheme + 3);
  const slash = rest.indexOf("/");
  if (slash < 0 || slash === rest.length - 1) return { namespace: uri.slice(0, scheme), name: rest.replace(/\/$/, "") };
  return { namespace: uri.slice(0, scheme + 3 + slash), name: rest.slice(slash + 1) };
}
