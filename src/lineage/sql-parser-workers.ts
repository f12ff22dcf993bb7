/**
 * The parser inside the Worker. The `.wasm?module` import is a compiled
 * `WebAssembly.Module` (wrangler's default `CompiledWasm` rule for `*.wasm` and `*.wasm?module`),
 * compiled by the runtime when the Worker loads; instantiating it (the costly
 * part) waits for the first statement parsed.
 */
import sqlparserWasm from "../../node_modules/@guanmingchiu/sqlparser-ts/wasm/sqlparser_rs_wasm_bg.wasm?module";
import { createSqlParser, type SqlParser } from "./sql-parser";

/** The Worker's one parser (SQLite dialect), instantiated at first use. */
export const workerSqlParser: SqlParser = createSqlParser(() => sqlparserWasm);
