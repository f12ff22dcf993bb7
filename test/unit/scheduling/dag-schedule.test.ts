import { describe, expect, it } from "vitest";
import { dagScheduling, DEFAULT_MAX_ACTIVE_RUNS, schedulingIssues } from "../../../src/scheduling/dag-schedule";
import { nextScheduledInterval } from "../../../src/scheduling/schedule";

const at = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();

describe("a DAG's scheduling fields", () => {
  it("compiles with defaults: UTC, catchup off, 16 active runs; startDate read in the timezone", () => {
    expect(dagScheduling({})).toEqual({ timezone: "UTC", maxActiveRuns: DEFAULT_MAX_ACTIVE_RUNS });
    expect(dagScheduling({ schedule: "@daily", timezone: "Europe/Amsterdam", startDate: "2026-06-01", maxActiveRuns: 3 })).toEqual({
      timezone: "Europe/Amsterdam",
      maxActiveRuns: 3,
      schedule: { expression: "@daily", timezone: "Europe/Amsterdam", startDate: at("2026-05-31T22:00:00Z"), catchup: false },
    });
  });

  it("names each bad field and why", () => {
    const paths = (f: Parameters<typeof schedulingIssues>[0]) => schedulingIssues(f).map((i) => `${i.path}: ${i.message}`);
    expect(paths({ schedule: "* * *", startDate: "2026-01-01" })[0]).toMatch(/^schedule: invalid cron expression '\* \* \*'/);
    expect(paths({ timezone: "Mars/Base" })).toEqual(["timezone: unknown time zone 'Mars/Base'"]);
    expect(paths({ schedule: "@daily" })).toEqual(["startDate: required with a schedule: the first data interval starts at or after it"]);
    expect(paths({ catchup: true, startDate: "2026-01-01" })).toEqual(["startDate: only means something with a schedule", "catchup: only means something with a schedule"]);
    expect(paths({ schedule: "@daily", startDate: "2026-02-01", endDate: "2026-01-01" })).toEqual(["endDate: before startDate ('2026-01-01' < '2026-02-01')"]);
    expect(paths({ schedule: "@daily", startDate: "2026-01-01", params: { region: { required: true } } })[0]).toMatch(/^params\.region\.default: required with a schedule/);
    expect(paths({ schedule: "@daily", startDate: "2026-01-01", params: { region: { required: true, default: "eu" }, n: {} } })).toEqual([]);
  });
});

describe("the next scheduled interval", () => {
  const daily = { expression: "@daily", timezone: "UTC" };
  const now = at("2026-06-10T12:00:00Z");

  it("with catchup: the first interval at or after the cursor, due once it is complete", () => {
    const next = nextScheduledInterval({ ...daily, catchup: true }, at("2026-06-01T00:00:00Z"), now);
    expect(next && [iso(next.logicalDate), iso(next.dataIntervalEnd)]).toEqual(["2026-06-01T00:00:00.000Z", "2026-06-02T00:00:00.000Z"]);
  });

  it("without: the latest complete interval if not yet run, else the next to complete", () => {
    const behind = nextScheduledInterval({ ...daily, catchup: false }, at("2026-06-01T00:00:00Z"), now);
    expect(behind && iso(behind.logicalDate)).toBe("2026-06-09T00:00:00.000Z");
    const upToDate = nextScheduledInterval({ ...daily, catchup: false }, at("2026-06-10T00:00:00Z"), now);
    expect(upToDate && [iso(upToDate.logicalDate), iso(upToDate.dataIntervalEnd)]).toEqual(["2026-06-10T00:00:00.000Z", "2026-06-11T00:00:00.000Z"]);
  });

  it("a startDate in the future: the first interval starting at it; endDate: none past it", () => {
    const future = nextScheduledInterval({ ...daily, catchup: false }, at("2026-07-01T00:00:00Z"), now);
    expect(future && iso(future.logicalDate)).toBe("2026-07-01T00:00:00.000Z");
    expect(nextScheduledInterval({ ...daily, catchup: true, endDate: at("2026-06-05T00:00:00Z") }, at("2026-06-06T00:00:00Z"), now)).toBeUndefined();
  });
});
