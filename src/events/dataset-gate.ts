/**
 * A `datasets` trigger's gate, as plain data: the updates not yet consumed, per dataset. With
 * `all`, a run starts once every listed dataset has at least one, and consumes them all (two
 * updates of one dataset before the other arrives are both in that run); with `any`, each
 * update starts a run of its own. An update is consumed by exactly one run; an update seen twice
 * (at-least-once delivery) counts once.
 */

export interface DatasetUpdate {
  eventId: string;
  uri: string;
  at: number;
  dagId: string;
  runId: string;
  taskId: string;
  extra?: unknown;
}

/** Updates waiting for a run, by dataset URI, oldest first. */
export type GateState = Record<string, DatasetUpdate[]>;

/** Adds an update; answers the updates a run should now consume (each list is one run), or none. */
export function admitUpdate(state: GateState, datasets: readonly string[], mode: "all" | "any", u: DatasetUpdate): DatasetUpdate[][] {
  if (!datasets.includes(u.uri)) return [];
  if (mode === "any") return [[u]];
  const waiting = (state[u.uri] ??= []);
  if (waiting.some((w) => w.eventId === u.eventId)) return [];
  waiting.push(u);
  if (!datasets.every((d) => (state[d]?.length ?? 0) > 0)) return [];
  const consumed = datasets.flatMap((d) => state[d] ?? []).sort((a, b) => a.at - b.at || a.eventId.localeCompare(b.eventId));
  for (const d of datasets) delete state[d];
  return [consumed];
}
