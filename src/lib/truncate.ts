/**
 * Messages built from arbitrary text (a thrown error, a response body, a
 * network failure) are cut at their source to this many characters, well
 * under the RPC schema's cap (`TaskErrorSchema.message`, 10,000): one task
 * throwing a megabyte of text must not make its worker's whole report,
 * with every sibling outcome, fail the schema.
 */
export const MESSAGE_LIMIT = 8_000;

/**
 * `text` itself when it has at most `max` characters (UTF-16 code units,
 * as zod's `max` counts); otherwise its first `max` characters and a marker
 * naming the full length. Never splits a surrogate pair.
 */
export function truncateMessage(text: string, max: number = MESSAGE_LIMIT): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  // A high surrogate at the cut would leave half a character behind.
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… [truncated, ${text.length} characters in all]`;
}
