import { describe, expect, it } from "vitest";
import { parseZonedTime, zoneOffsetMs } from "../../../src/scheduling/local-time";

const AMS = "Europe/Amsterdam";
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("dates and times written in a DAG's timezone", () => {
  it("a date is local midnight; a date-time is local wall-clock time; Z or an offset is absolute", () => {
    expect(iso(parseZonedTime("2026-06-01", AMS))).toBe("2026-05-31T22:00:00.000Z");
    expect(iso(parseZonedTime("2026-01-15T06:30", AMS))).toBe("2026-01-15T05:30:00.000Z");
    expect(iso(parseZonedTime("2026-01-15T06:30:15.5", AMS))).toBe("2026-01-15T05:30:15.500Z");
    expect(iso(parseZonedTime("2026-06-01T00:00:00Z", AMS))).toBe("2026-06-01T00:00:00.000Z");
    expect(iso(parseZonedTime("2026-06-01T00:00:00-05:00", AMS))).toBe("2026-06-01T05:00:00.000Z");
    expect(iso(parseZonedTime("2026-06-01", "UTC"))).toBe("2026-06-01T00:00:00.000Z");
  });

  it("across DST: a skipped wall time moves forward by the gap, a repeated one is its first occurrence", () => {
    // 29 March 2026: 02:00 CET → 03:00 CEST.
    expect(iso(parseZonedTime("2026-03-29T02:30", AMS))).toBe("2026-03-29T01:30:00.000Z");
    expect(iso(parseZonedTime("2026-03-29T03:00", AMS))).toBe("2026-03-29T01:00:00.000Z");
    // 25 October 2026: 03:00 CEST → 02:00 CET; 02:30 happens twice.
    expect(iso(parseZonedTime("2026-10-25T02:30", AMS))).toBe("2026-10-25T00:30:00.000Z");
    expect(zoneOffsetMs(Date.parse("2026-10-25T01:30:00Z"), AMS)).toBe(3_600_000);
  });

  it("anything else is not a date", () => {
    for (const text of ["yesterday", "2026-02-30", "2026-13-01", "2026-01-01T25:00", "2026-1-1", "20260101", ""]) {
      expect(parseZonedTime(text, AMS), text).toBeUndefined();
    }
  });
});
