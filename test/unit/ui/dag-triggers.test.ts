import { describe, expect, it } from "vitest";
import { cronInWords, describeDagTriggers } from "../../../src/ui/lib/dag-triggers";
import { wordsText } from "../../../src/ui/lib/words";

describe("describeDagTriggers", () => {
  it("puts the schedule first, then each trigger in words with links to upstream DAGs and datasets", () => {
    const lines = describeDagTriggers("report", {
      schedule: "30 2 * * *",
      timezone: "Europe/Amsterdam",
      startDate: "2026-01-01",
      catchup: false,
      triggers: [
        { type: "r2", bucket: "landing", prefix: "in/", suffix: ".csv", batch: { windowSeconds: 5, maxObjects: 50 } },
        { type: "webhook", secret: "DEMO_WEBHOOK_SECRET" },
        { type: "dag", dagId: "daily_etl" },
        { type: "datasets", datasets: ["d1://daily_orders", "d1://orders_raw"], mode: "all" },
      ],
    });
    expect(lines.map((l) => l.kind)).toEqual(["schedule", "r2", "webhook", "dag", "datasets", "paused"]);
    const text = lines.map((l) => wordsText(l.words));
    expect(text[0]).toBe("30 2 * * * (every day at 02:30) in Europe/Amsterdam, from 2026-01-01; catchup off: only the latest complete interval runs");
    expect(text[1]).toBe("A file landing in bucket landing under in/ ending in .csv: files arriving within 5 s (at most 50) share one run");
    expect(text[2]).toContain("POST /hooks/report");
    expect(text[2]).toContain("DEMO_WEBHOOK_SECRET");
    expect(text[3]).toBe("Each run of daily_etl that ends success, for the same logical date");
    expect(text[4]).toBe("Once d1://daily_orders and d1://orders_raw were all updated since the last such run");
    const hrefs = lines.flatMap((l) => l.words.flatMap((w) => (typeof w !== "string" && w.href ? [w.href] : [])));
    expect(hrefs).toEqual(["/dags/daily_etl", "/datasets?uri=d1%3A%2F%2Fdaily_orders", "/datasets?uri=d1%3A%2F%2Forders_raw"]);
    expect(text[5]).toMatch(/kept/);
  });

  it("says a DAG with neither schedule nor triggers starts by hand; any-mode and deletes read right", () => {
    expect(describeDagTriggers("x", {}).map((l) => l.kind)).toEqual(["manual"]);
    const any = describeDagTriggers("x", { triggers: [{ type: "datasets", datasets: ["a", "b"], mode: "any" }, { type: "r2", bucket: "b", events: ["object-delete"] }], onPausedEvents: "drop" });
    expect(wordsText(any[0]?.words ?? [])).toBe("Each update of a or b");
    expect(wordsText(any[1]?.words ?? [])).toBe("A file deleted from bucket b: one run per file version");
    expect(wordsText(any[2]?.words ?? [])).toMatch(/dropped/);
  });

  it("puts simple cron expressions in words and leaves the rest alone", () => {
    expect(cronInWords("@daily")).toBe("every day at 00:00");
    expect(cronInWords("*/30 * * * *")).toBe("every 30 minutes");
    expect(cronInWords("15 * * * *")).toBe("every hour at minute 15");
    expect(cronInWords("0 6 * * 1-5")).toBeUndefined();
    expect(cronInWords("nonsense")).toBeUndefined();
  });
});
