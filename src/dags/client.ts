import type { DagCoordinator } from "./dag-coordinator";

/** The DagCoordinator's RPC surface, with the class's own method types (as the run client does). */
export type DagClient = Pick<DagCoordinator, "sync" | "tick" | "reserve" | "event" | "runEnded" | "forget" | "refreshDownstream" | "pause" | "unpause" | "status" | "createBackfill" | "backfill" | "cancelBackfill">;

/** The object of one DAG: `idFromName(dagId)`, so every Worker reaches the same one. */
export function dagFor(env: Env, dagId: string): DagClient {
  return env.DAGS.get(env.DAGS.idFromName(dagId)) as unknown as DagClient;
}
