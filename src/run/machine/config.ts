/**
 * What the machine is given besides the run: settings, the clock, randomness.
 * The machine reads no clock and draws no random numbers of its own.
 */

export interface MachineConfig {
  /** A queued attempt not claimed by a worker within this long is sent again (a lost message); each resend doubles it. */
  dispatchLeaseMs: number;
  /** Added to the task timeout to form a running attempt's lease. */
  leaseMarginMs: number;
  /** Attempts lost to expired leases before the task is failed (guards against a task that kills its worker). */
  maxLostAttempts: number;
  /** A running attempt whose worker has not sent a heartbeat for this long is abandoned (worker lost). */
  heartbeatTimeoutMs: number;
}

export const DEFAULT_MACHINE_CONFIG: MachineConfig = {
  dispatchLeaseMs: 30_000,
  leaseMarginMs: 30_000,
  maxLostAttempts: 3,
  heartbeatTimeoutMs: 30_000,
};

/** Default bound of a mapped task's list. */
export const DEFAULT_MAX_MAP_LENGTH = 10_000;

export interface MachineContext {
  now: number;
  /** A number in [0, 1), for retry jitter. */
  random: () => number;
  config: MachineConfig;
  /**
   * Output values as expressions should see them. The adapter maps R2 artifact
   * references to their (pre-loaded) content; by default outputs are used as stored.
   */
  resolve?: (output: unknown) => unknown;
  /** A fresh claim token for a granted attempt (default: drawn from `random`). */
  token?: () => string;
}
