import { describe, expect, it } from "vitest";
import { describeRunTrigger, formatBytes, MAX_ITEMS } from "../../../src/ui/lib/run-trigger";
import { wordsText, type Words } from "../../../src/ui/lib/words";

const links = (w: Words) => w.flatMap((x) => (typeof x === "string" || x.href === undefined ? [] : [x.href]));

describe("describeRunTrigger", () => {
  it("says who or what started the run for every trigger type", () => {
    expect(wordsText(describeRunTrigger({ type: "api" }).summary)).toMatch(/by hand/);
    expect(wordsText(describeRunTrigger({ type: "cron", detail: { schedule: "@daily", timezone: "Europe/Amsterdam" } }).summary)).toBe("The schedule @daily (Europe/Amsterdam)");
    const bf = describeRunTrigger({ type: "backfill", detail: { backfillId: "bf_0123" } });
    expect(wordsText(bf.summary)).toBe("Backfill bf_0123");
    expect(links(bf.summary)).toEqual(["/backfills/bf_0123"]);
    const hook = describeRunTrigger({ type: "webhook", detail: { body: { orderId: 7 }, receivedAt: "2026-12-01T10:00:00.000Z" } });
    expect(wordsText(hook.summary)).toBe("A signed webhook received 2026-12-01 10:00 UTC");
    expect(wordsText(hook.items[0] ?? [])).toBe('body {"orderId":7}');
    const up = describeRunTrigger({ type: "upstream", detail: { upstream: { dagId: "daily_etl", runId: "abcdef0123456789", status: "success", logicalDate: "2026-12-05T00:00:00.000Z" } } });
    expect(wordsText(up.summary)).toBe("The end of upstream DAG daily_etl's run abcdef012345 (success), logical date 2026-12-05 00:00 UTC");
    expect(links(up.summary)).toEqual(["/dags/daily_etl", "/runs/abcdef0123456789"]);
    const child = describeRunTrigger({ type: "dag", detail: { parentRunId: "p1", parentDagId: "nightly_parent", taskId: "child" } });
    expect(wordsText(child.summary)).toBe("Task child of parent DAG nightly_parent, run p1");
    expect(wordsText(describeRunTrigger({ type: "mystery" }).summary)).toBe("A mystery trigger");
  });

  it("names the R2 object key, or lists a batch's files capped with a count", () => {
    const one = describeRunTrigger({ type: "r2", detail: { object: { bucket: "landing", key: "in/a.csv", size: 2048, action: "PutObject" } } });
    expect(wordsText(one.summary)).toBe("A file arriving in R2: in/a.csv in bucket landing (2.0 KB, PutObject)");
    const objects = Array.from({ length: MAX_ITEMS + 3 }, (_, i) => ({ bucket: "landing", key: `in/${i}.csv` }));
    const batch = describeRunTrigger({ type: "r2", detail: { batchId: "b1", objects } });
    expect(wordsText(batch.summary)).toBe(`A batch of ${MAX_ITEMS + 3} files arriving in R2 (batch b1)`);
    expect(batch.items).toHaveLength(MAX_ITEMS + 1);
    expect(wordsText(batch.items[MAX_ITEMS] ?? [])).toBe("… and 3 more files");
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes("x")).toBeUndefined();
  });

  it("lists dataset events with links to the dataset, the producing DAG and run", () => {
    const d = describeRunTrigger({
      type: "dataset",
      detail: { events: [{ eventId: "e1", uri: "d1://daily_orders", dagId: "daily_etl", runId: "r123", taskId: "load", at: Date.UTC(2026, 11, 1, 1) }, { eventId: "e2", uri: "d1://orders_raw", dagId: "orders_etl", runId: "r9", taskId: "load", at: Date.UTC(2026, 11, 1, 2) }] },
    });
    expect(wordsText(d.summary)).toBe("2 dataset updates: d1://daily_orders and d1://orders_raw");
    expect(wordsText(d.items[0] ?? [])).toBe("d1://daily_orders updated by daily_etl.load in run r123 at 2026-12-01 01:00 UTC");
    expect(links(d.items[0] ?? [])).toEqual(["/datasets?uri=d1%3A%2F%2Fdaily_orders", "/dags/daily_etl", "/runs/r123"]);
  });

  it("reads missing detail without throwing", () => {
    for (const type of ["cron", "backfill", "webhook", "r2", "upstream", "dataset", "dag"]) expect(() => describeRunTrigger({ type })).not.toThrow();
  });
});
