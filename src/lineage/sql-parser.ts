/**
 * The SQL parser: sqlparser-rs (Apache-2.0) compiled to WebAssembly, driven
 * through its wasm-bindgen glue. Pure apart from the one-time instantiation:
 * the wasm is instantiated at the first `parse`, never at import, because a
 * Worker's startup has a CPU limit and most invocations parse no SQL.
 *
 * The glue is imported by path: the package's `exports` map exposes only its
 * async `init()`, which fetches the wasm by URL (that fails on Workers). The
 * glue's `initSync({ module })` takes a compiled module (Workers: the `.wasm`
 * import, see `sql-parser-workers.ts`) or the bytes (Node: the unit tests).
 */
import { initSync, parse_sql } from "../../node_modules/@guanmingchiu/sqlparser-ts/wasm/sqlparser_rs_wasm.js";

/** What instantiating the parser needs: a compiled module or the wasm bytes. */
export type WasmSource = WebAssembly.Module | BufferSource;

/** Parses SQLite SQL into sqlparser-rs's AST (serde JSON: externally tagged enums). */
export interface SqlParser {
  /** The statements of `sql`; throws `SqlSyntaxError` when the text does not parse. */
  parse(sql: string): unknown[];
}

/** The text did not parse; `message` is the parser's (with line and column). */
export class SqlSyntaxError extends Error {
  override name = "SqlSyntaxError";
}

/**
 * A parser that instantiates the wasm on its first call. `load` is called at
 * most once per isolate (the glue keeps one instance in module state, so every
 * parser made here shares it).
 */
export function createSqlParser(load: () => WasmSource): SqlParser {
  let ready = false;
  return {
    parse(sql: string): unknown[] {
      if (!ready) {
        initSync({ module: load() });
        ready = true;
      }
      let statements: unknown;
      try {
        statements = parse_sql("sqlite", sql);
      } catch (err) {
        throw new SqlSyntaxError(errorText(err));
      }
      if (!Array.isArray(statements)) throw new SqlSyntaxError("the parser returned no statement list");
      return statements;
    },
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}
