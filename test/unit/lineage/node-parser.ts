import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSqlParser, type SqlParser } from "../../../src/lineage/sql-parser";

const wasmPath = fileURLToPath(
  import.meta.resolve("../../../node_modules/@guanmingchiu/sqlparser-ts/wasm/sqlparser_rs_wasm_bg.wasm"),
);

/** The parser in Node: the same glue, given the wasm bytes from the installed package. */
export const nodeSqlParser: SqlParser = createSqlParser(() => readFileSync(wasmPath));
