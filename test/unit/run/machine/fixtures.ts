import { expect } from "vitest";
import type { AttemptRecord } from "../../../../src/run/types";
import type { Sim } from "../harness";

/** Task specs and steps the machine's feature tests share. */

export const FN = { type: "function", function: "echo" } as const;
export const HOOK = { url: "https://hooks.example.com/task" } as const;
export const DAG_HOOK = { url: "https://hooks.example.com/dag", headers: { "x-token": "t" } } as const;
/** One retry, one second later, no jitter: the retry is due exactly 1 s after the failure. */
export const ONE_RETRY = { limit: 1, delaySeconds: 1, jitter: false } as const;

/** Fails the current attempt of `id`, waits for its retry and claims it again (the retry's dispatch). */
export function failAndRetry(sim: Sim, id: string): void {
  sim.report(id, { ok: false, error: { message: `${id} broke`, code: "sql" } });
  expect(sim.status(id)).toBe("up_for_retry");
  sim.advance(1_000);
  sim.fire();
  sim.claim(id);
}

/** The (attempt, status) pairs of one task's history records. */
export function attemptsOf(records: AttemptRecord[], key: string): Array<[number, string]> {
  return records.filter((r) => r.taskKey === key).map((r) => [r.attempt, r.status]);
}
