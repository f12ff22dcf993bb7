import type { ResolvedRetry } from "../dag/plan";

/**
 * Delay before retry number `retry` (1 = the first retry), in milliseconds.
 * `random` is a number in [0, 1) supplied by the caller (the core draws no
 * random numbers); with jitter on, the delay is spread by ±20 %.
 */
export function retryDelayMs(policy: ResolvedRetry, retry: number, random: number): number {
  const n = Math.max(1, retry);
  let delay: number;
  switch (policy.backoff) {
    case "constant":
      delay = policy.delayMs;
      break;
    case "linear":
      delay = policy.delayMs * n;
      break;
    case "exponential":
      delay = policy.delayMs * 2 ** (n - 1);
      break;
  }
  delay = Math.min(delay, policy.maxDelayMs);
  if (policy.jitter) delay = delay * (0.8 + 0.4 * random);
  return Math.round(Math.min(delay, policy.maxDelayMs));
}
