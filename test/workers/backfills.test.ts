import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerDag, waitFor } from "./helpers";

const DAY = 86_400_000;
const daysAgo = (n: number): string => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const midnight = (date: string): string => `${date}T00:00:00.000Z`;

async function backfill(dagId: string, body: Record<string, unknown>) {
  const res = await api(`/api/dags/${dagId}/backfills`, { method: "POST", json: body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`backfill: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { backfillId: string | null; dates: string[] };
}

async function backfillDone(backfillId: string, timeoutMs = 25_000): Promise<any> {
  return waitFor(
    async () => {
      const res = await api(`/api/backfills/${backfillId}`);
      expect(res.status).toBe(200);
      return res.body.status === "running" ? undefined : res.body;
    },
    `backfill ${backfillId} to end`,
    timeoutMs,
  );
}

/** Fails on the dates listed in the `bad` param, succeeds on the others. */
const picky = {
  params: { bad: { type: "array", items: "string", default: [] } },
  tasks: { check: { type: "function", function: "fail", args: { message: "bad date", permanent: true }, when: "ds in params.bad" } },
};

describe("backfills", () => {
  it("reprocess failed reruns only the failed dates of a 30-day window; missing skips the successful ones", async () => {
    await registerDag("bf_picky", picky);
    const bad = [daysAgo(25), daysAgo(10), daysAgo(3)];
    const first = await backfill("bf_picky", { from: daysAgo(30), to: daysAgo(1), params: { bad }, maxActiveRuns: 10 });
    expect(first.dates).toHaveLength(30);
    expect(first.dates[0]).toBe(midnight(daysAgo(30)));
    const done = await backfillDone(first.backfillId!);
    expect(done.status).toBe("failed");
    expect(done.counts).toEqual({ success: 27, failed: 3 });
    expect(done.dates.filter((d: any) => d.status === "failed").map((d: any) => d.ds)).toEqual([...bad].sort());

    const failedDates = [...bad].sort().map(midnight);
    expect((await backfill("bf_picky", { from: daysAgo(30), to: daysAgo(1), reprocess: "failed", dryRun: true })).dates).toEqual(failedDates);
    expect((await backfill("bf_picky", { from: daysAgo(30), to: daysAgo(1), reprocess: "missing", dryRun: true })).dates).toEqual(failedDates);
    expect((await backfill("bf_picky", { from: daysAgo(32), to: daysAgo(1), dryRun: true })).dates).toEqual([midnight(daysAgo(32)), midnight(daysAgo(31)), ...failedDates]);
    expect((await backfill("bf_picky", { from: daysAgo(30), to: daysAgo(1), reprocess: "all", dryRun: true })).dates).toHaveLength(30);

    const rerun = await backfill("bf_picky", { from: daysAgo(30), to: daysAgo(1), reprocess: "failed" });
    expect(rerun.dates).toEqual(failedDates);
    const second = await backfillDone(rerun.backfillId!);
    // The reruns keep their runs' params (and fail again): each failed date ran a second attempt, in the same run.
    expect(second.dates.map((d: any) => d.runId).sort()).toEqual(done.dates.filter((d: any) => d.status === "failed").map((d: any) => d.runId).sort());
    for (const d of second.dates) {
      const view = (await api(`/api/runs/${d.runId}`)).body;
      expect(view.backfillId).toBe(rerun.backfillId);
      expect(view.tasks[0].attempts).toBe(2);
      const attempts = (await api(`/api/runs/${d.runId}/attempts`)).body;
      expect(attempts.attempts ?? attempts).toHaveLength(2);
    }
    const untouched = done.dates.find((d: any) => d.status === "success");
    expect((await api(`/api/runs/${untouched.runId}`)).body.backfillId).toBe(first.backfillId);

    const listed = (await api("/api/dags/bf_picky/backfills")).body.backfills;
    expect(listed.map((b: any) => b.backfillId)).toEqual([rerun.backfillId, first.backfillId]);
  });

  it("each run sees its own ds: an sql task inserting {{ ds }} writes the five dates of a five-day backfill", async () => {
    await env.DB.exec("CREATE TABLE IF NOT EXISTS bf_ds_log (ds TEXT NOT NULL)");
    await registerDag("bf_ds", { timezone: "Europe/Amsterdam", tasks: { log: { type: "sql", sql: "INSERT INTO bf_ds_log (ds) VALUES ({{ ds }})" } } });
    const b = await backfill("bf_ds", { from: "2026-03-27", to: "2026-03-31", maxActiveRuns: 5 });
    expect(b.dates).toHaveLength(5);
    expect((await backfillDone(b.backfillId!)).status).toBe("success");
    const rows = await env.DB.prepare("SELECT ds FROM bf_ds_log ORDER BY ds").all<{ ds: string }>();
    // Across the spring-forward night: local midnights, one run each.
    expect(rows.results.map((r) => r.ds)).toEqual(["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]);
  });

  it("never more than its maxActiveRuns at once, each date started as soon as a slot frees; cancel stops it", async () => {
    await registerDag("bf_slow", { tasks: { work: { type: "function", function: "sleep", args: { ms: 600 } } } });
    const b = await backfill("bf_slow", { from: daysAgo(10), to: daysAgo(1), maxActiveRuns: 2 });
    let most = 0;
    await waitFor(
      async () => {
        const view = (await api(`/api/backfills/${b.backfillId}`)).body;
        most = Math.max(most, view.counts.running ?? 0);
        return (view.counts.success ?? 0) >= 3 ? view : undefined;
      },
      "three dates done",
      15_000,
    );
    expect(most).toBeLessThanOrEqual(2);
    const cancelled = await api(`/api/backfills/${b.backfillId}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    const settled = await waitFor(async () => {
      const view = (await api(`/api/backfills/${b.backfillId}`)).body;
      return (view.counts.running ?? 0) === 0 ? view : undefined;
    }, "its running runs to be cancelled");
    expect(settled.counts.pending ?? 0).toBe(0);
    expect(settled.counts.cancelled).toBeGreaterThanOrEqual(5);
    const runs = (await api("/api/dags/bf_slow/runs?limit=100")).body.runs;
    await new Promise((r) => setTimeout(r, 800));
    expect((await api("/api/dags/bf_slow/runs?limit=100")).body.runs).toHaveLength(runs.length);
  });

  it("a scheduled run starts while a backfill saturates its own limit", async () => {
    const work = { work: { type: "function", function: "sleep", args: { ms: 1_500 } } };
    await registerDag("bf_vs_schedule", { maxActiveRuns: 1, tasks: work });
    const b = await backfill("bf_vs_schedule", { from: daysAgo(20), to: daysAgo(11), maxActiveRuns: 2 });
    await waitFor(async () => ((await api(`/api/backfills/${b.backfillId}`)).body.counts.running === 2 ? true : undefined), "the backfill to fill its limit");
    await registerDag("bf_vs_schedule", { maxActiveRuns: 1, schedule: "@daily", startDate: daysAgo(1), catchup: true, tasks: work });
    const scheduled = await waitFor(async () => {
      const runs = (await api("/api/dags/bf_vs_schedule/runs?limit=100")).body.runs;
      return runs.find((r: any) => r.trigger.type === "cron" && r.status === "running");
    }, "the scheduled run to be running");
    expect(scheduled.logicalDate).toBe(midnight(daysAgo(1)));
    const view = (await api(`/api/backfills/${b.backfillId}`)).body;
    expect(view.counts.pending).toBeGreaterThan(0);
    await api(`/api/backfills/${b.backfillId}/cancel`, { method: "POST" });
  });

  it("bad requests name the field; a window past 10,000 dates is refused; a dry run creates nothing", async () => {
    await registerDag("bf_checks", { params: { n: { type: "integer", maximum: 5 } }, tasks: { a: { type: "empty" } } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ from: "soon", to: "2026-01-02" }, "from"],
      [{ from: "2026-01-05", to: "2026-01-02" }, "to"],
      [{ from: "2026-01-01", to: "2026-01-02", reprocess: "some" }, "reprocess"],
      [{ from: "2026-01-01", to: "2026-01-02", params: { n: 9 } }, "params.n"],
      [{ from: "1990-01-01", to: "2026-01-02" }, "to"],
    ];
    for (const [body, path] of cases) {
      const res = await api("/api/dags/bf_checks/backfills", { method: "POST", json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.issues.map((i: any) => i.path), JSON.stringify(res.body)).toContain(path);
    }
    const dry = await backfill("bf_checks", { from: "2024-01-01", to: "2026-09-26", dryRun: true });
    expect(dry.backfillId).toBeNull();
    expect(dry.dates).toHaveLength(1_000);
    expect((await api("/api/dags/bf_checks/runs")).body.runs).toHaveLength(0);
    expect((await api("/api/dags/nope_none/backfills", { method: "POST", json: { from: "2026-01-01", to: "2026-01-02" } })).status).toBe(404);
    expect((await api("/api/backfills/bf_00000000000000000000")).status).toBe(404);
  });
});
