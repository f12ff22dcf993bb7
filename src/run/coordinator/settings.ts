import { numberVar } from "../../lib/vars";
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from "../machine";
import { DEFAULT_ARTIFACT_CACHE_BYTES } from "./artifact-cache";
import { DEFAULT_OUTBOX_RETRY_MS } from "./outbox";


/** The coordinator's settings, overridable per deployment (`[vars]` in wrangler.toml). */
export interface CoordinatorSettings {
  machine: MachineConfig;
  /** `OUTBOX_RETRY_MS`: the first retry of a failed outbox delivery (then doubling). */
  outboxRetryMs: number;
  /**
   * While commands wait in the outbox the alarm is armed no later than this long after they were
   * written (the dispatch lease, `DISPATCH_LEASE_MS`, which queued attempts arm anyway): a drainer
   * that dies mid-delivery (an eviction, a restart) leaves them to the alarm, never stranded.
   */
  outboxLeaseMs: number;
  /** `ARTIFACT_CACHE_BYTES`: artifact contents the coordinator keeps in memory. */
  artifactCacheBytes: number;
}

export function coordinatorSettings(env: Env): CoordinatorSettings {
  const d = DEFAULT_MACHINE_CONFIG;
  const dispatchLeaseMs = numberVar(env.DISPATCH_LEASE_MS, d.dispatchLeaseMs);
  return {
    machine: {
      dispatchLeaseMs,
      leaseMarginMs: numberVar(env.LEASE_MARGIN_MS, d.leaseMarginMs),
      maxLostAttempts: numberVar(env.MAX_LOST_ATTEMPTS, d.maxLostAttempts),
      heartbeatTimeoutMs: numberVar(env.HEARTBEAT_TIMEOUT_MS, d.heartbeatTimeoutMs),
    },
    outboxRetryMs: numberVar(env.OUTBOX_RETRY_MS, DEFAULT_OUTBOX_RETRY_MS),
    outboxLeaseMs: dispatchLeaseMs,
    artifactCacheBytes: numberVar(env.ARTIFACT_CACHE_BYTES, DEFAULT_ARTIFACT_CACHE_BYTES),
  };
}
