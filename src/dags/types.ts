import { z } from "zod";
import type { DagScheduling } from "../scheduling/dag-schedule";
import type { StartRunInput } from "../run/rpc";

/** Where a run of a DAG came from, for its DAG's limits: scheduled and manual runs share `maxActiveRuns`, a backfill has its own. */
export type RunSource = "scheduled" | "manual" | "backfill";

/** A start input as a DAG's object keeps it: without the spec (read again by version) or the caller's offer. */
export type StoredStartInput = Omit<StartRunInput, "specJson" | "offer" | "queued">;

/** One run the DAG's object counts: queued (waiting for a slot) or running. */
export interface ActiveRun {
  runId: string;
  source: RunSource;
  state: "queued" | "running";
  /** Start order among queued runs: the logical date, or the time it was triggered. */
  orderAt: number;
  /** What the run's coordinator still has to be told: created, or released from `queued`. */
  pending?: "start" | "release";
  retryAt?: number;
  /** Failed tries to tell the run's coordinator (the retry waits 1 s, doubling to a minute). */
  failures?: number;
  backfillId?: string;
  /** The first `RunEnded` number that counts (a rerun's earlier ends do not). */
  minEnd: number;
  input: StoredStartInput;
}

/** The DAG object's own state. */
export interface DagState {
  dagId: string;
  version: number;
  scheduling: DagScheduling;
  /** `expression|timezone` of the schedule applied, to see a change of schedule. */
  scheduleKey?: string;
  paused: boolean;
  /** The end of the last scheduled interval created (or the schedule's startDate): scheduling goes on from here. */
  cursor?: number;
}

export const BackfillRequestSchema = z
  .object({
    /** Dates or times in the DAG's timezone, both inclusive: every logical date in [from, to]. */
    from: z.string().min(1).max(40),
    to: z.string().min(1).max(40),
    reprocess: z.enum(["missing", "failed", "all"]).optional(),
    maxActiveRuns: z.number().int().min(1).max(1_000).optional(),
    newestFirst: z.boolean().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();
export type BackfillRequest = z.infer<typeof BackfillRequestSchema>;

export const BACKFILL_STATUSES = ["running", "success", "failed", "cancelled"] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];
export type BackfillDateStatus = "pending" | "running" | "success" | "failed" | "cancelled";

export interface Backfill {
  backfillId: string;
  dagId: string;
  status: BackfillStatus;
  request: BackfillRequest;
  maxActiveRuns: number;
  params: Record<string, unknown>;
  createdAt: number;
  endedAt?: number;
}

/** What `GET /api/dags/{dagId}` shows of a DAG's scheduling. */
export interface DagScheduleStatus {
  schedule: string | null;
  timezone: string;
  catchup: boolean;
  paused: boolean;
  maxActiveRuns: number;
  nextRunAt: string | null;
  nextLogicalDate: string | null;
  activeRuns: number;
  queuedRuns: number;
  backfillRuns: number;
  /** Events kept while paused, to start their runs on unpause. */
  pausedEvents: number;
}
