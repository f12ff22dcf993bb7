import { MAX_RETRY_AFTER_MS } from "../run/rpc";

/**
 * Reads an HTTP `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an
 * HTTP-date. Pure: the caller passes the current time.
 */

const DAYS = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAYS = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

/** `Sun, 06 Nov 1994 08:49:37 GMT`: the form senders must use. */
const IMF_FIXDATE = new RegExp(`^${DAYS}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT`: obsolete, still to be accepted. */
const RFC_850 = new RegExp(`^${LONG_DAYS}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994`: C's asctime, obsolete, in UTC. */
const ASCTIME = new RegExp(`^${DAYS} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** Epoch ms of a valid UTC date-time, or undefined (31 Feb, hour 25, …). */
function utc(year: number, month: string, day: number, h: number, m: number, s: number): number | undefined {
  const mi = MONTHS.indexOf(month);
  if (mi < 0 || h > 23 || m > 59 || s > 60) return undefined;
  const at = Date.UTC(year, mi, day, h, m, Math.min(s, 59));
  const check = new Date(at);
  return check.getUTCMonth() === mi && check.getUTCDate() === day ? at : undefined;
}

/** Epoch ms of an HTTP-date in any of its three forms, or undefined. */
export function parseHttpDate(text: string, now: number): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[3]), m[2] ?? "", Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC_850.exec(text);
  if (m) {
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110 §5.6.7).
    const century = Math.floor(new Date(now).getUTCFullYear() / 100) * 100;
    let year = century + Number(m[3]);
    if (year > new Date(now).getUTCFullYear() + 50) year -= 100;
    return utc(year, m[2] ?? "", Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(text);
  if (m) return utc(Number(m[6]), m[1] ?? "", Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

/**
 * How long a `Retry-After` header asks to wait, in ms, at most an hour (a
 * far-off date must not park a task for days); 0 for a date already past;
 * undefined when the header is absent or is neither form.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1_000, MAX_RETRY_AFTER_MS);
  const at = parseHttpDate(text, now);
  if (at === undefined) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}
