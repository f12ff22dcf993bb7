import type { DatasetUpdate } from "./dataset-gate";
import type { R2Notification } from "./r2-notification";
import type { DagTrigger, DatasetsTrigger, R2Trigger } from "./trigger-spec";

/** An upstream run's end, as a `dag` trigger sees it. */
export interface UpstreamEnd {
  dagId: string;
  runId: string;
  status: "success" | "failed" | "cancelled";
  logicalDate: string | null;
  dataIntervalStart: string | null;
  dataIntervalEnd: string | null;
  /** The `RunEnded` event id (`<runId>:<n>`). */
  eventId: string;
}

/** An event handed to a DAG's object: what one of its triggers matched. */
export type DagEvent =
  | { kind: "r2"; position: number; trigger: R2Trigger; notification: R2Notification }
  | { kind: "webhook"; runKey: string; body: unknown; headers: Record<string, string>; receivedAt: number }
  | { kind: "upstream"; position: number; trigger: DagTrigger; upstream: UpstreamEnd }
  | { kind: "dataset"; position: number; trigger: DatasetsTrigger; update: DatasetUpdate };

/** What the DAG's object did with an event. */
export type DagEventOutcome =
  | { outcome: "started" | "existing"; runId: string; status: string }
  /** Gathered into an R2 batch that starts its run when the window closes (or it is full). */
  | { outcome: "batched"; batchId: string }
  /** A dataset update waiting for the trigger's other datasets (`mode: all`). */
  | { outcome: "waiting" }
  /** The DAG is paused: kept for unpause (`onPausedEvents: keep`) or dropped. */
  | { outcome: "kept" | "dropped" }
  | { outcome: "duplicate" }
  | { outcome: "ignored"; reason: string };
