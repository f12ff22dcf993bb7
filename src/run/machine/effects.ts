import type { AttemptRecord, ClaimedRef, RunStatus, WorkRef } from "../types";
import type { Command } from "./commands";

/** Why a claim, report or heartbeat changed nothing. */
export type RefusalReason =
  | "unknown_task"
  | "stale_attempt"
  | "not_active"
  | "run_finished"
  /** Claimed already and its lease is fresh: another worker runs it (try the message later). */
  | "in_flight"
  /** Its lease expired: the alarm abandons it and starts a new attempt. */
  | "lease_expired"
  /** The claim token does not match the grant. */
  | "not_claimant";

export interface RefusedRef extends WorkRef {
  reason: RefusalReason;
}

/** What a transition changed, what must happen outside the run, and what the caller is answered. */
export interface Effects {
  /** Rows to write: task instances (by key; absent from the state = deleted), the run header, ended attempts. */
  changes: {
    tasks: Set<string>;
    run: boolean;
    attempts: AttemptRecord[];
    /** False when only leases moved (heartbeats, claims): rows are written but nothing new goes to history. */
    history: boolean;
    /**
     * True when every changed task is a grant of a queued attempt (AttemptsClaimed): the adapter may
     * store the grants in one row instead of one row per task (they are folded into the task rows on load).
     */
    grantsOnly: boolean;
  };
  /** Commands for the outbox, in order. */
  commands: Command[];
  /** The answer to the caller. */
  reply: {
    /** Claims granted (AttemptsClaimed). */
    granted: ClaimedRef[];
    /** Claims refused (AttemptsClaimed). */
    refused: RefusedRef[];
    /** Reports or heartbeats that changed nothing (duplicates, late or stale attempts). */
    ignored: RefusedRef[];
    /** Attempts leased to the reporting worker (continuation): already recorded as running. */
    handBack: ClaimedRef[];
  };
  /** Set when the run reached a final status in this transition. */
  finished: RunStatus | undefined;
}

export function emptyEffects(): Effects {
  return {
    changes: { tasks: new Set(), run: false, attempts: [], history: true, grantsOnly: false },
    commands: [],
    reply: { granted: [], refused: [], ignored: [], handBack: [] },
    finished: undefined,
  };
}
