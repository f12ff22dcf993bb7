/** Pretty JSON for the run page, cut at `limit` characters (the whole value stays one link away). */
export function jsonPreview(value: unknown, limit = 2_000): { text: string; truncated: boolean; length: number } {
  const text = value === undefined ? "" : (JSON.stringify(value, null, 2) ?? "");
  if (text.length <= limit) return { text, truncated: false, length: text.length };
  return { text: `${text.slice(0, limit)}\n…`, truncated: true, length: text.length };
}
