/** A non-negative number from a `[vars]` string (wrangler.toml), or the default when absent or not a number. */
export function numberVar(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}
