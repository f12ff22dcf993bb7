/**
 * Table-level lineage for SQL the parser rejects: the tables named after
 * FROM / JOIN are read, the one after INSERT INTO / REPLACE INTO / UPDATE /
 * DELETE FROM / CREATE TABLE|VIEW is written. A scan of the words outside
 * quotes and comments, so it names tables, never columns; CTE names (WITH x AS)
 * are left out, as they are no datasets.
 */
import { d1TableUri } from "./dataset-uri";
import type { Lineage } from "./model";

/** The table-level lineage of `sql`, with `reason` saying why there is no more. */
export function tableLevelLineage(sql: string, reason: string): Lineage {
  const words = tokens(sql);
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  const ctes = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]?.toLowerCase();
    const next = (k: number) => words[i + k];
    if (w === "with" || w === ",") {
      const name = next(1)?.toLowerCase() === "recursive" ? next(2) : next(1);
      const as = words.findIndex((word, k) => k > i && word.toLowerCase() === "as");
      if (name !== undefined && isName(name) && as > i && as <= i + 8) ctes.add(unquote(name));
    }
    if (w === "from" || w === "join") addName(next(1) === "(" && next(3) === ")" ? next(2) : next(1), inputs);
    if (w === "into" || w === "update") addName(next(1) === "or" ? next(3) : next(1), outputs);
    if (w === "table" || w === "view") {
      const skip = next(1)?.toLowerCase() === "if" ? 4 : 1; // IF NOT EXISTS
      addName(next(skip), outputs);
    }
    if (w === "delete" && next(1)?.toLowerCase() === "from") {
      addName(next(2), outputs);
      i += 2;
    }
  }
  const known = (set: Set<string>) => [...set].filter((t) => !ctes.has(t)).map(d1TableUri);
  const written = new Set(known(outputs));
  return {
    inputs: known(inputs).filter((d) => !written.has(d)),
    outputs: [...written],
    edges: [],
    needsColumns: [],
    complete: false,
    reasons: [reason],
  };
}

function addName(word: string | undefined, into: Set<string>): void {
  if (word === undefined || !isName(word)) return;
  const name = unquote(word).split(".").pop();
  if (name !== undefined && name !== "") into.add(name.toLowerCase());
}

const KEYWORDS = new Set(["select", "values", "with", "lateral", "only", "or", "if", "not", "exists", "set", "default"]);

function isName(word: string): boolean {
  return /^([A-Za-z_][\w$.]*|"[^"]+"|`[^`]+`|\[[^\]]+\])$/.test(word) && !KEYWORDS.has(word.toLowerCase());
}

function unquote(word: string): string {
  return word.replace(/^["`[]|["`\]]$/g, "").toLowerCase();
}

/** Words, quoted identifiers and punctuation; strings and comments dropped. */
function tokens(sql: string): string[] {
  const out: string[] = [];
  const re = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*|[(),;]/g;
  for (const m of sql.matchAll(re)) {
    const t = m[0];
    if (t.startsWith("--") || t.startsWith("/*") || t.startsWith("'")) continue;
    out.push(t);
  }
  return out;
}
