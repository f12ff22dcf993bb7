import { describe, expect, it } from "vitest";
import { backfillIssuesByField, readBackfillForm, type BackfillFormValues } from "../../../src/ui/lib/backfill-form";
import { backfillProgress, isBackfillActive } from "../../../src/ui/lib/backfill-progress";
import { paramFields } from "../../../src/ui/lib/param-form";
import { formatInterval, formatInZone, relativeTime } from "../../../src/ui/lib/time-text";

const fields = paramFields({ volume: { type: "integer", minimum: 1, maximum: 100, default: 10 }, region: { type: "string", enum: ["eu", "us"], default: "eu" } });
const values = (over: Partial<BackfillFormValues> = {}): BackfillFormValues => ({
  from: "2026-10-01",
  to: "2026-10-05",
  reprocess: "failed",
  maxActiveRuns: "2",
  newestFirst: true,
  params: { volume: "12", region: "us" },
  ...over,
});

describe("the backfill form", () => {
  it("reads the fields as the API's body, typed params included", () => {
    const { body, issues } = readBackfillForm(values(), fields, true);
    expect(issues).toEqual([]);
    expect(body).toEqual({ from: "2026-10-01", to: "2026-10-05", reprocess: "failed", newestFirst: true, maxActiveRuns: 2, params: { volume: 12, region: "us" }, dryRun: true });
    expect(readBackfillForm(values({ maxActiveRuns: " " }), fields, false).body).not.toHaveProperty("maxActiveRuns");
  });

  it("names what the form itself can tell is wrong, by field key", () => {
    const { issues } = readBackfillForm(values({ from: "", maxActiveRuns: "1.5", reprocess: "some", params: { volume: "lots" } }), fields, true);
    expect(issues.map((i) => i.field)).toEqual(["from", "reprocess", "maxActiveRuns", "params.volume"]);
  });

  it("puts the API's 400 issues next to their field; unknown paths go above the form", () => {
    const split = backfillIssuesByField(
      [
        { path: "to", message: "before from ('2026-09-01' < '2026-10-01')" },
        { path: "maxActiveRuns", message: "Too big: expected number to be <=1000" },
        { path: "params.volume", message: "must be ≤ 100" },
        { path: "dagId", message: "no DAG 'x'" },
      ],
      fields,
    );
    expect(split.byField).toEqual({ to: ["before from ('2026-09-01' < '2026-10-01')"], maxActiveRuns: ["Too big: expected number to be <=1000"], "params.volume": ["must be ≤ 100"] });
    expect(split.other).toEqual(["dagId: no DAG 'x'"]);
  });
});

describe("backfill progress", () => {
  it("counts final dates, orders states and knows when polling can stop", () => {
    const d = (status: string) => ({ logicalDate: "2026-10-01T00:00:00.000Z", ds: "2026-10-01", status, runId: null });
    const p = backfillProgress([d("success"), d("pending"), d("running"), d("failed"), d("success")]);
    expect(p).toEqual({ total: 5, done: 3, percent: 60, byStatus: [{ status: "success", n: 2 }, { status: "failed", n: 1 }, { status: "running", n: 1 }, { status: "pending", n: 1 }] });
    expect(backfillProgress([]).percent).toBe(100);
    expect(["running", "success", "failed", "cancelled"].map(isBackfillActive)).toEqual([true, false, false, false]);
  });
});

describe("times in a zone", () => {
  it("writes a time in the DAG's zone, relative to now, and a data interval", () => {
    expect(formatInZone("2026-10-25T00:30:00.000Z", "Europe/Amsterdam")).toBe("2026-10-25 02:30 Europe/Amsterdam");
    expect(formatInZone("2026-12-01T00:00:00.000Z", "UTC", { bare: true })).toBe("2026-12-01 00:00");
    expect(formatInZone(null, "UTC")).toBe("—");
    expect(formatInZone("2026-12-01T00:00:00Z", "Mars/Base")).toBe("2026-12-01T00:00:00Z");
    const now = Date.parse("2026-12-01T12:00:00Z");
    expect(relativeTime("2026-12-01T15:00:00Z", now)).toBe("in 3 h");
    expect(relativeTime("2026-12-01T11:55:00Z", now)).toBe("5 min ago");
    expect(relativeTime("2026-12-04T12:00:00Z", now)).toBe("in 3 d");
    expect(relativeTime("2026-12-01T12:00:10Z", now)).toBe("now");
    expect(formatInterval("2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z", "UTC")).toBe("2026-12-01 00:00 → 2026-12-02 00:00 UTC");
    expect(formatInterval("2026-12-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "UTC")).toMatch(/a point/);
  });
});
