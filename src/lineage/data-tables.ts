/**
 * What lineage reads of the `DB` database's tables themselves (an adapter): their columns
 * (`PRAGMA table_info`, to complete `SELECT *` edges) and their row counts (the dataset list).
 * Table names come from the analyser (lower-cased) or from `d1://` URIs, and are quoted.
 */

const quoted = (table: string): string => `"${table.replaceAll('"', '""')}"`;

/** The columns of tables, in order, in one batch; a table that does not exist has none. */
export async function tableColumns(db: D1Database, tables: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (tables.length === 0) return out;
  const results = await db.batch(tables.map((t) => db.prepare(`PRAGMA table_info(${quoted(t)})`)));
  tables.forEach((t, i) => {
    const rows = (results[i]?.results ?? []) as Array<{ name?: unknown }>;
    out.set(t, rows.flatMap((r) => (typeof r.name === "string" ? [r.name] : [])));
  });
  return out;
}

/** Row counts of the tables that exist (views and missing tables are left out), in two batches. */
export async function tableRowCounts(db: D1Database, tables: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (tables.length === 0) return out;
  const existing = await db
    .prepare(`SELECT lower(name) AS name FROM sqlite_master WHERE type = 'table' AND lower(name) IN (${tables.map(() => "?").join(", ")})`)
    .bind(...tables)
    .all<{ name: string }>();
  const names = existing.results.map((r) => r.name);
  if (names.length === 0) return out;
  const counts = await db.batch(names.map((t) => db.prepare(`SELECT count(*) AS n FROM ${quoted(t)}`)));
  names.forEach((t, i) => {
    const n = (counts[i]?.results?.[0] as { n?: unknown } | undefined)?.n;
    if (typeof n === "number") out.set(t, n);
  });
  return out;
}
