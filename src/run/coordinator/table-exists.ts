/** True when the object's SQLite has a table of that name (tables that not every run needs are made lazily). */
export function tableExists(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}
