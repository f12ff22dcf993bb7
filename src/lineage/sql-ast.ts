/**
 * Reading sqlparser-rs's AST. It is serde JSON: an enum is `{ "Variant": value }`
 * (or the bare string `"Variant"` for a unit variant), a struct a plain object.
 * These helpers read it defensively: a shape they do not know yields null, and
 * the analyser then records less lineage instead of throwing.
 */

export type Node = Record<string, unknown>;

export function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{ "Variant": value }` → ["Variant", value]; anything else → null. */
export function variant(value: unknown): [string, unknown] | null {
  if (!isNode(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const key = keys[0] as string;
  return /^[A-Z]/.test(key) ? [key, value[key]] : null;
}

/** The value of enum variant `name`, or undefined. */
export function variantValue(value: unknown, name: string): unknown {
  const v = variant(value);
  return v !== null && v[0] === name ? v[1] : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function field(node: unknown, key: string): unknown {
  return isNode(node) ? node[key] : undefined;
}

/** An `Ident` (`{ value, quote_style }`) → its text. */
export function identText(ident: unknown): string | null {
  const value = field(ident, "value");
  return typeof value === "string" ? value : null;
}

/**
 * An `ObjectName` (a list of `ObjectNamePart`s, `{ "Identifier": Ident }`, or
 * bare `Ident`s in a few places) → its parts' texts.
 */
export function objectNameParts(name: unknown): string[] | null {
  const parts: string[] = [];
  for (const part of asArray(name)) {
    const ident = variantValue(part, "Identifier") ?? part;
    const text = identText(ident);
    if (text === null) return null;
    parts.push(text);
  }
  return parts.length > 0 ? parts : null;
}

/** The table of an object name: its last part (`main.orders` → `orders`), lower-cased as SQLite compares them. */
export function tableName(name: unknown): string | null {
  const parts = objectNameParts(name);
  const last = parts?.[parts.length - 1];
  return last === undefined ? null : last.toLowerCase();
}

interface Position {
  line: number;
  column: number;
}

/** Every span under `node`: the earliest start and the latest end, or null when there is none. */
export function extent(node: unknown): { start: Position; end: Position } | null {
  let start: Position | null = null;
  let end: Position | null = null;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (!isNode(value)) return;
    const span = value.span;
    if (isNode(span)) {
      const s = position(span.start);
      const e = position(span.end);
      if (s !== null && e !== null && s.line > 0) {
        if (start === null || before(s, start)) start = s;
        if (end === null || before(end, e)) end = e;
      }
    }
    for (const [key, child] of Object.entries(value)) if (key !== "span") visit(child);
  };
  visit(node);
  return start !== null && end !== null ? { start, end } : null;
}

function position(value: unknown): Position | null {
  const line = field(value, "line");
  const column = field(value, "column");
  return typeof line === "number" && typeof column === "number" ? { line, column } : null;
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}
