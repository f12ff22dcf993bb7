import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { RunCoordinator } from "../../src/run/coordinator/run-coordinator";
import { registerDag, taskOf, trigger, waitForRun } from "./helpers";
import { manualQueue } from "./manual-queue";

/**
 * Bounded memory: a run's coordinator keeps only the artifact contents that
 * its own expressions (`when`, `branch`, `map.over`) of unfinished tasks read,
 * under ARTIFACT_CACHE_BYTES; workers read everything else from R2.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

const stats = (runId: string) =>
  runInDurableObject(env.RUNS.get(env.RUNS.idFromName(runId)), (instance: RunCoordinator) => instance.stats);

describe("the coordinator's artifact cache", () => {
  it("a 2,000-instance map with 100 KiB outputs finishes with the cache under its bound (no instance output is loaded: no expression reads them)", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    const n = 2_000;
    await registerDag("wide_blobs", {
      tasks: {
        list: { type: "function", function: "range", args: { n } },
        blobs: { type: "function", function: "blob", dependsOn: ["list"], map: { over: "tasks.list.output" }, args: { bytes: 100 * 1024 } },
        done: { type: "empty", dependsOn: ["blobs"] },
      },
    });
    const { runId } = await trigger("wide_blobs");
    let most = 0;
    let batches = 0;
    while (q.pending.length > 0 && batches < 1_000) {
      await q.deliver({ bodies: q.pending.splice(0, 100) }); // batches of max_batch_size
      batches += 1;
      most = Math.max(most, (await stats(runId)).artifactBytes);
    }
    const run = await waitForRun(runId, 60_000);
    expect(run.status).toBe("success");
    expect(taskOf(run, "blobs").mapped).toMatchObject({ total: n, done: n, failed: 0 });
    // Every instance's output went to R2 (over OUTPUT_INLINE_LIMIT): 2,000 × 100 KiB = 200 MiB held nowhere in memory.
    let stored = 0;
    let cursor: string | undefined;
    do {
      const page = await env.ARTIFACTS.list({ prefix: `runs/${runId}/outputs/blobs%5B`, ...(cursor ? { cursor } : {}) });
      stored += page.objects.length;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    expect(stored).toBe(n);
    // The only content ever loaded is `list` (≈ 9 KB of JSON, read by `map.over`): never an instance's output.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(16 * 1024);
    expect(most).toBeLessThanOrEqual(Number(env.ARTIFACT_CACHE_BYTES));
    expect((await stats(runId)).artifactBytes).toBe(0);
  }, 120_000);

  it("an output an unfinished task's expression reads is loaded, and dropped once no unfinished task reads it", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("reads_blob", {
      tasks: {
        big: { type: "function", function: "blob", args: { bytes: 50 * 1024 } },
        // The coordinator evaluates `when`: the 50 KiB output must be in its cache for that.
        check: { type: "function", function: "sleep", dependsOn: ["big"], when: "size(tasks.big.output) == 51200", args: { ms: 300 } },
        slow: { type: "function", function: "sleep", args: { ms: 600 } },
      },
    });
    const { runId } = await trigger("reads_blob");
    await q.deliver(); // big and slow: big reports first (slow sleeps), check is decided and queued
    const during = await stats(runId);
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "check").status).toBe("success"); // the expression saw the content, not the reference
    expect(during.artifactBytes).toBe(0); // decided: no unfinished task reads `big` any more
    expect((await stats(runId)).artifactBytes).toBe(0);
    expect(Number(env.ARTIFACT_CACHE_BYTES)).toBeGreaterThan(0);
  });
});
