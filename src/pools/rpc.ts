import { z } from "zod";
import { IdSchema } from "../dag/spec";
import { PoolRequestSchema } from "../run/machine/commands";
import { WorkRefSchema } from "../run/rpc";

/** Schemas of the PoolCoordinator's RPC arguments, parsed in the Durable Object (data entering a boundary). */

/** The most slots a pool may have. */
export const MAX_POOL_SLOTS = 100_000;

/** `PUT /api/pools/{name}` and the pool's `configure`. */
export const PoolConfigSchema = z
  .object({
    /** Attempts (counted in `poolSlots`) that may hold the pool at once, across every run and DAG. */
    slots: z.number().int().min(1).max(MAX_POOL_SLOTS),
  })
  .strict();

export const PoolConfigureInputSchema = PoolConfigSchema.extend({ name: IdSchema });

/** A run gives back leases and asks for new ones (`UpdatePoolLeases`, from its outbox). */
export const PoolUpdateInputSchema = z.object({
  runId: z.string().min(1).max(64),
  release: z.array(WorkRefSchema).max(10_000),
  acquire: z.array(PoolRequestSchema).max(10_000),
});
export type PoolUpdateInput = z.infer<typeof PoolUpdateInputSchema>;
