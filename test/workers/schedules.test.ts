import { createScheduledController, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalog, registerDagVersion } from "../../src/db/catalog";
import { canonicalJson } from "../../src/dag/canonical";
import { dagFor } from "../../src/dags/client";
import worker from "../../src/index";
import { sha256Hex } from "../../src/lib/ids";
import { api, registerDag, trigger, waitFor, waitForRun } from "./helpers";

const DAY = 86_400_000;
/** A UTC date `n` days before today, as `YYYY-MM-DD`. */
const daysAgo = (n: number): string => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const midnight = (date: string): string => `${date}T00:00:00.000Z`;

/** A DAG whose one task sleeps `ms` and outputs the run's ds. */
function sleepy(ms: number, extra: Record<string, unknown> = {}) {
  return {
    ...extra,
    tasks: {
      work: { type: "function", function: "sleep", args: { ms } },
      report: { type: "function", function: "echo", args: { ds: "{{ ds }}", start: "{{ dataIntervalStart }}", end: "{{ dataIntervalEnd }}" }, dependsOn: ["work"] },
    },
  };
}

async function runsOf(dagId: string): Promise<any[]> {
  const res = await api(`/api/dags/${dagId}/runs?limit=500`);
  expect(res.status).toBe(200);
  return res.body.runs;
}

async function dagStatus(dagId: string): Promise<any> {
  const res = await api(`/api/dags/${dagId}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Polls the DAG until `count` runs ended, recording the most that ran at once. */
async function watchRuns(dagId: string, count: number, timeoutMs = 25_000): Promise<{ runs: any[]; maxRunning: number }> {
  let maxRunning = 0;
  const runs = await waitFor(
    async () => {
      const status = await dagStatus(dagId);
      maxRunning = Math.max(maxRunning, status.activeRuns);
      const rows = await runsOf(dagId);
      return rows.length >= count && rows.every((r) => ["success", "failed", "cancelled"].includes(r.status)) ? rows : undefined;
    },
    `${count} runs of ${dagId} to end`,
    timeoutMs,
  );
  return { runs, maxRunning };
}

async function tick(): Promise<void> {
  const ctrl = createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" });
  await worker.scheduled(ctrl, env);
}

describe("schedule fields", () => {
  it("bad values are a 400 naming the field", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ schedule: "* * *", startDate: "2026-01-01" }, "schedule", "invalid cron expression '* * *'"],
      [{ schedule: "@daily", timezone: "Mars/Base", startDate: "2026-01-01" }, "timezone", "unknown time zone 'Mars/Base'"],
      [{ schedule: "@daily" }, "startDate", "required with a schedule"],
      [{ schedule: "@daily", startDate: "yesterday" }, "startDate", "not a date or date-time"],
      [{ schedule: "@daily", startDate: "2026-02-01", endDate: "2026-01-01" }, "endDate", "before startDate"],
      [{ schedule: "@daily", startDate: "2026-01-01", maxActiveRuns: 0 }, "maxActiveRuns", ""],
    ];
    for (const [fields, path, message] of cases) {
      const res = await api("/api/dags/bad_schedule", { method: "PUT", json: { ...fields, tasks: { a: { type: "empty" } } } });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const issue = res.body.error.issues.find((i: any) => i.path === path);
      expect(issue, JSON.stringify(res.body)).toBeDefined();
      expect(issue.message).toContain(message);
    }
    expect((await api("/api/dags/bad_schedule")).status).toBe(404);
  });

  it("GET …/schedule lists the fire times of a DST week in the DAG's timezone", async () => {
    await registerDag("dst_week", { schedule: "30 2 * * *", timezone: "Europe/Amsterdam", startDate: "2026-10-20", tasks: { a: { type: "empty" } } });
    const res = await api("/api/dags/dst_week/schedule?count=3&from=2026-10-24T12:00:00Z");
    expect(res.status).toBe(200);
    expect(res.body.schedule).toEqual([
      // 02:30 CEST on the fall-back day runs once (not again at 02:30 CET).
      { runAt: "2026-10-25T00:30:00.000Z", logicalDate: "2026-10-24T00:30:00.000Z", dataIntervalStart: "2026-10-24T00:30:00.000Z", dataIntervalEnd: "2026-10-25T00:30:00.000Z" },
      { runAt: "2026-10-26T01:30:00.000Z", logicalDate: "2026-10-25T00:30:00.000Z", dataIntervalStart: "2026-10-25T00:30:00.000Z", dataIntervalEnd: "2026-10-26T01:30:00.000Z" },
      { runAt: "2026-10-27T01:30:00.000Z", logicalDate: "2026-10-26T01:30:00.000Z", dataIntervalStart: "2026-10-26T01:30:00.000Z", dataIntervalEnd: "2026-10-27T01:30:00.000Z" },
    ]);
    expect((await api("/api/dags/dst_week/schedule?count=0")).status).toBe(400);
  });
});

describe("catchup", () => {
  it("creates exactly the missed intervals, oldest first, at most maxActiveRuns at once, each with its own ds", async () => {
    await registerDag("catchup_five", sleepy(300, { schedule: "@daily", startDate: daysAgo(5), catchup: true, maxActiveRuns: 2 }));
    const { runs, maxRunning } = await watchRuns("catchup_five", 5);
    expect(runs).toHaveLength(5);
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(runs.every((r) => r.status === "success" && r.trigger.type === "cron")).toBe(true);
    const byCreation = [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.logicalDate.localeCompare(b.logicalDate));
    const expected = [5, 4, 3, 2, 1].map((n) => midnight(daysAgo(n)));
    expect(byCreation.map((r) => r.logicalDate)).toEqual(expected);
    for (const r of runs) {
      const view = (await api(`/api/runs/${r.runId}`)).body;
      const out = view.tasks.find((t: any) => t.taskId === "report").output;
      expect(out.ds).toBe(r.logicalDate.slice(0, 10));
      expect(out.start).toBe(r.logicalDate);
      expect(Date.parse(out.end) - Date.parse(out.start)).toBe(DAY);
      expect(view).toMatchObject({ ds: out.ds, dataIntervalStart: out.start, dataIntervalEnd: out.end });
    }
    const status = await dagStatus("catchup_five");
    expect(status).toMatchObject({ schedule: "@daily", timezone: "UTC", paused: false, nextLogicalDate: midnight(daysAgo(0)) });
    expect(Date.parse(status.nextRunAt) - Date.parse(status.nextLogicalDate)).toBe(DAY);
  });

  it("catchup: false runs only the latest complete interval, once", async () => {
    await registerDag("no_catchup", sleepy(0, { schedule: "@daily", startDate: daysAgo(5) }));
    const { runs } = await watchRuns("no_catchup", 1);
    await tick();
    await new Promise((r) => setTimeout(r, 300));
    const all = await runsOf("no_catchup");
    expect(all).toHaveLength(1);
    expect(all[0].logicalDate).toBe(midnight(daysAgo(1)));
    expect(runs[0].runId).toBe(all[0].runId);
  });

  it("two ticks racing, the alarm and the tick, and a restart between ticks never create a second run of a date", async () => {
    await registerDag("racing", sleepy(0, { schedule: "@daily", startDate: daysAgo(3), catchup: true }));
    const stub = env.DAGS.get(env.DAGS.idFromName("racing"));
    const dag = dagFor(env, "racing");
    await Promise.all([tick(), tick(), dag.tick("racing"), runDurableObjectAlarm(stub)]);
    await evictDurableObject(stub);
    await Promise.all([tick(), dag.tick("racing")]);
    const { runs } = await watchRuns("racing", 3);
    await new Promise((r) => setTimeout(r, 300));
    const all = await runsOf("racing");
    expect(all.map((r) => r.logicalDate).sort()).toEqual([3, 2, 1].map((n) => midnight(daysAgo(n))));
    expect(runs).toHaveLength(3);
  });

  it("the minute tick applies a version the DAG's object never heard of (a lost registration call)", async () => {
    const spec = sleepy(0, { schedule: "@daily", startDate: daysAgo(2), catchup: true });
    const specJson = canonicalJson(spec);
    // Stored in the catalog only, as if the call to the DAG's object had failed.
    await registerDagVersion(catalog(env.CATALOG), { dagId: "lost_sync", specJson, specHash: await sha256Hex(specJson), description: undefined, now: Date.now() });
    expect(await runsOf("lost_sync")).toHaveLength(0);
    await tick();
    const { runs } = await watchRuns("lost_sync", 2);
    expect(runs.map((r) => r.logicalDate).sort()).toEqual([2, 1].map((n) => midnight(daysAgo(n))));
  });
});

describe("a new version", () => {
  it("a changed schedule takes effect at its next fire time (no catchup of the new intervals); removing it stops scheduling", async () => {
    await registerDag("reschedule", sleepy(0, { schedule: "@daily", startDate: daysAgo(2), catchup: true }));
    await watchRuns("reschedule", 2);
    await registerDag("reschedule", sleepy(0, { schedule: "0 * * * *", startDate: daysAgo(2), catchup: true }));
    await tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(await runsOf("reschedule")).toHaveLength(2);
    const hour = 3_600_000;
    const status = await dagStatus("reschedule");
    expect(status.schedule).toBe("0 * * * *");
    expect(Date.parse(status.nextLogicalDate)).toBe(Math.floor(Date.now() / hour) * hour);
    expect(Date.parse(status.nextRunAt)).toBe(Math.floor(Date.now() / hour) * hour + hour);
    await registerDag("reschedule", sleepy(0));
    const off = await dagStatus("reschedule");
    expect(off).toMatchObject({ schedule: null, nextRunAt: null });
    expect((await api("/api/dags")).body.dags.find((d: any) => d.dagId === "reschedule")).toMatchObject({ schedule: null, nextRunAt: null });
  });
});

describe("pause", () => {
  it("pause stops scheduled runs and not manual ones; unpause with catchup runs what was missed", async () => {
    await registerDag("pausable", sleepy(0));
    const paused = await api("/api/dags/pausable/pause", { method: "POST" });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    await registerDag("pausable", sleepy(0, { schedule: "@daily", startDate: daysAgo(3), catchup: true }));
    await tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(await runsOf("pausable")).toHaveLength(0);
    const listed = (await api("/api/dags")).body.dags.find((d: any) => d.dagId === "pausable");
    expect(listed).toMatchObject({ schedule: "@daily", paused: true, nextLogicalDate: midnight(daysAgo(3)) });
    const manual = await trigger("pausable");
    expect((await waitForRun(manual.runId)).status).toBe("success");
    const unpaused = await api("/api/dags/pausable/unpause", { method: "POST" });
    expect(unpaused.body.paused).toBe(false);
    const { runs } = await watchRuns("pausable", 4);
    expect(runs.filter((r) => r.trigger.type === "cron").map((r) => r.logicalDate).sort()).toEqual([3, 2, 1].map((n) => midnight(daysAgo(n))));
  });

  it("unpause without catchup runs only the latest complete interval", async () => {
    await registerDag("pausable_latest", sleepy(0));
    await api("/api/dags/pausable_latest/pause", { method: "POST" });
    await registerDag("pausable_latest", sleepy(0, { schedule: "@daily", startDate: daysAgo(4) }));
    await api("/api/dags/pausable_latest/unpause", { method: "POST" });
    const { runs } = await watchRuns("pausable_latest", 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await runsOf("pausable_latest")).map((r) => r.logicalDate)).toEqual([midnight(daysAgo(1))]);
    expect(runs).toHaveLength(1);
  });

  it("an unknown DAG cannot be paused", async () => {
    expect((await api("/api/dags/nope_never/pause", { method: "POST" })).status).toBe(404);
  });
});

describe("maxActiveRuns", () => {
  it("manual runs beyond it wait as queued and start in order as runs end", async () => {
    await registerDag("one_at_a_time", sleepy(400, { maxActiveRuns: 1 }));
    const a = await trigger("one_at_a_time");
    const b = await trigger("one_at_a_time");
    const c = await trigger("one_at_a_time");
    expect(a.status).toBe("running");
    expect(b.status).toBe("queued");
    expect(c.status).toBe("queued");
    expect((await api(`/api/runs/${b.runId}`)).body.status).toBe("queued");
    const [ra, rb, rc] = await Promise.all([waitForRun(a.runId), waitForRun(b.runId), waitForRun(c.runId)]);
    expect([ra.status, rb.status, rc.status]).toEqual(["success", "success", "success"]);
    expect(Date.parse(rb.startedAt)).toBeGreaterThanOrEqual(Date.parse(ra.endedAt));
    expect(Date.parse(rc.startedAt)).toBeGreaterThanOrEqual(Date.parse(rb.endedAt));
  });

  it("a run reserved by a caller that died before creating it is created by the DAG's object (after the dispatch lease)", async () => {
    await registerDag("reserved_only", sleepy(0));
    const runId = "0123456789abcdef0123456789abcdef";
    const dag = dagFor(env, "reserved_only");
    expect(await dag.reserve({ runId, dagId: "reserved_only", dagVersion: 1, params: {}, trigger: { type: "api" } })).toEqual({ queued: false });
    expect((await api(`/api/runs/${runId}`)).status).toBe(404);
    const run = await waitFor(async () => {
      const res = await api(`/api/runs/${runId}`);
      return res.status === 200 ? res.body : undefined;
    }, "the reserved run to be created", 5_000);
    expect(run.dagId).toBe("reserved_only");
    expect((await waitForRun(runId)).status).toBe("success");
  });

  it("a queued run can be cancelled, and frees its place", async () => {
    await registerDag("cancel_queued", sleepy(300, { maxActiveRuns: 1 }));
    const a = await trigger("cancel_queued");
    const b = await trigger("cancel_queued");
    expect(b.status).toBe("queued");
    const cancelled = await api(`/api/runs/${b.runId}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect((await waitForRun(b.runId)).status).toBe("cancelled");
    expect((await waitForRun(a.runId)).status).toBe("success");
    const status = await waitFor(async () => {
      const s = await dagStatus("cancel_queued");
      return s.activeRuns === 0 && s.queuedRuns === 0 ? s : undefined;
    }, "the DAG to count no runs");
    expect(status.queuedRuns).toBe(0);
  });

  it("a manual run with a logical date is that date's run: the same date again returns it", async () => {
    await registerDag("dated", sleepy(0, { timezone: "Europe/Amsterdam" }));
    const first = await api("/api/dags/dated/runs", { method: "POST", json: { logicalDate: "2026-06-01" } });
    expect(first.status).toBe(201);
    const again = await api("/api/dags/dated/runs", { method: "POST", json: { logicalDate: "2026-06-01T00:00:00+02:00" } });
    expect(again.status).toBe(200);
    expect(again.body.runId).toBe(first.body.runId);
    const run = await waitForRun(first.body.runId);
    expect(run).toMatchObject({ logicalDate: "2026-05-31T22:00:00.000Z", ds: "2026-06-01" });
    const bad = await api("/api/dags/dated/runs", { method: "POST", json: { logicalDate: "June" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("logicalDate");
    const both = await api("/api/dags/dated/runs", { method: "POST", json: { logicalDate: "2026-06-02", runKey: "k" } });
    expect(both.status).toBe(400);
    expect(both.body.error.issues[0].path).toBe("runKey");
  });
});
