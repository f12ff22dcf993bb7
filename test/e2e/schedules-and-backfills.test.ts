import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, screenshot, signedInPage } from "./harness";

/** The DAG list's pause toggle, the DAG page's schedule panel, the backfill form's dry run, the backfill page to the end, cancel. */

const SUFFIX = Date.now().toString(36);
const SCHED_DAG = `ui_sched_${SUFFIX}`;
const BF_DAG = `ui_backfill_${SUFFIX}`;
const bfSpec = (ms: number) => ({
  description: "a daily schedule without catchup, backfilled from the UI",
  tags: ["schedule", "backfill"],
  schedule: "@daily",
  timezone: "UTC",
  startDate: "2026-11-20",
  catchup: false,
  maxActiveRuns: 3,
  params: { volume: { type: "integer", minimum: 1, maximum: 100, default: 10 } },
  tasks: {
    load: { type: "http", request: { url: `${BASE}/demo/slow?ms=${ms}&date={{ ds }}` }, timeoutSeconds: 30 },
    report: { type: "function", function: "echo", args: { day: "{{ ds }}", volume: "{{ params.volume }}" }, dependsOn: ["load"] },
  },
});

let browser: BrowserContext;
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  const sched = await api(`/api/dags/${SCHED_DAG}`, {
    method: "PUT",
    json: { description: "hourly, paused and unpaused from the list", schedule: "@hourly", startDate: "2026-11-30", tasks: { noop: { type: "empty" } } },
  });
  expect(sched.status).toBe(201);
  expect((await api(`/api/dags/${BF_DAG}`, { method: "PUT", json: bfSpec(1_200) })).status).toBe(201);
  page = await signedInPage(browser);
});
afterAll(async () => {
  await close();
});

const pausedInList = async (dagId: string) => ((await api("/api/dags")).body.dags as Array<{ dagId: string; paused: boolean }>).find((d) => d.dagId === dagId)?.paused;

describe("the DAG list's pause toggle", () => {
  it("pauses and unpauses a DAG: the state text changes and GET /api/dags agrees", async () => {
    await page.goto(`${BASE}/`);
    const row = page.locator(`tr[data-dag="${SCHED_DAG}"]`);
    await row.waitFor();
    // Schedule and next run (with its logical date) are shown.
    expect(await row.locator(".schedule-cell").textContent()).toContain("@hourly");
    expect(await row.locator(".next-run").textContent()).toMatch(/logical date \d{4}-\d\d-\d\d \d\d:00/);
    const state = row.locator(".sched-state");
    expect(await state.textContent()).toBe("Active");
    await screenshot(page, "dag-list-schedules");

    await row.getByRole("button", { name: `Pause ${SCHED_DAG}` }).click();
    await page.waitForFunction((id) => document.querySelector(`tr[data-dag="${id}"] .sched-state`)?.textContent === "Paused", SCHED_DAG);
    expect(await pausedInList(SCHED_DAG)).toBe(true);
    expect(await row.locator(".next-run").count()).toBe(0);
    expect(await row.textContent()).toContain("none while paused");
    // The toggle is reachable and works from the keyboard.
    const unpause = row.getByRole("button", { name: `Unpause ${SCHED_DAG}` });
    await unpause.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    expect(await unpause.evaluate((el) => el === document.activeElement && el.matches(":focus-visible"))).toBe(true);
    expect(await unpause.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => document.querySelector(`tr[data-dag="${id}"] .sched-state`)?.textContent === "Active", SCHED_DAG);
    expect(await pausedInList(SCHED_DAG)).toBe(false);
  });
});

describe("the backfill form and page", () => {
  let backfillId = "";

  it("shows the schedule panel and triggers on the DAG page", async () => {
    await page.goto(`${BASE}/dags/${BF_DAG}`);
    const panel = page.getByRole("region", { name: "Schedule" });
    await panel.getByText("@daily").first().waitFor();
    expect(await panel.textContent()).toContain("off: only the latest complete interval");
    await page.waitForFunction(() => document.querySelectorAll(".schedule-panel table.upcoming tbody tr").length === 5);
    const triggers = page.getByRole("region", { name: "Triggers" });
    expect(await triggers.textContent()).toContain("@daily (every day at 00:00) in UTC, from 2026-11-20");
  });

  it("puts the API's issues next to their field, dry-runs the dates, then creates the backfill", async () => {
    await page.goto(`${BASE}/dags/${BF_DAG}`);
    await page.getByRole("link", { name: "Backfill…", exact: true }).click();
    await page.waitForURL(`${BASE}/dags/${BF_DAG}/backfill`);
    await page.getByLabel("From").fill("2026-10-05");
    await page.getByLabel("To", { exact: true }).fill("2026-10-01");
    await page.getByLabel("volume").fill("500");
    await page.getByRole("button", { name: "Dry run" }).click();
    const toError = page.locator('[data-field="to"] .field-error');
    await toError.getByText("before from").waitFor();
    expect(await page.locator('[data-field="params.volume"] .field-error').textContent()).toMatch(/^volume .*100/);
    expect(await page.getByLabel("To", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "backfill-form-errors");

    await page.getByLabel("From").fill("2026-10-01");
    await page.getByLabel("To", { exact: true }).fill("2026-10-05");
    await page.getByLabel("volume").fill("20");
    await page.getByLabel("Max active runs").fill("2");
    await page.getByLabel("Reprocess").selectOption("all");
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByRole("heading", { name: "Dry run: 5 dates would run" }).waitFor();
    expect(await page.locator("ol.dates li").allTextContents()).toEqual(["2026-10-01 00:00 UTC", "2026-10-02 00:00 UTC", "2026-10-03 00:00 UTC", "2026-10-04 00:00 UTC", "2026-10-05 00:00 UTC"]);
    expect(await page.locator('[data-field="to"] .field-error').textContent()).toBe("");
    // A dry run creates nothing.
    expect((await api(`/api/dags/${BF_DAG}/backfills`)).body.backfills).toEqual([]);
    await screenshot(page, "backfill-dry-run");

    await page.getByRole("button", { name: "Create backfill of 5 dates" }).click();
    await page.waitForURL(/\/backfills\/bf_[0-9a-f]+$/);
    backfillId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const created = await api(`/api/backfills/${backfillId}`);
    expect(created.body.request).toMatchObject({ from: "2026-10-01", to: "2026-10-05", reprocess: "all", maxActiveRuns: 2, params: { volume: 20 } });
  });

  it("shows progress per date to the end without a reload, each date linking its run", async () => {
    await page.locator("table.backfill-dates tbody tr").first().waitFor();
    expect(await page.locator("table.backfill-dates tbody tr").count()).toBe(5);
    // While it runs: some dates running, never more than its maxActiveRuns.
    await page.waitForFunction(() => document.querySelectorAll('table.backfill-dates tr[data-state="running"]').length > 0);
    expect(await page.locator('table.backfill-dates tr[data-state="running"]').count()).toBeLessThanOrEqual(2);
    await screenshot(page, "backfill-progress");
    await page.locator("#backfill-status").getByText("success").waitFor({ timeout: 60_000 });
    expect(await page.locator("#backfill-progress").textContent()).toBe("5 of 5 dates done (100 %)");
    expect(await page.locator('[data-count="success"]').textContent()).toBe("success 5");
    const states = await page.locator("table.backfill-dates tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")));
    expect(states).toEqual(["success", "success", "success", "success", "success"]);
    expect(await page.locator("table.backfill-dates tbody tr .badge").first().textContent()).toBe("success");
    expect(await page.locator("table.backfill-dates a").count()).toBe(5);
    expect((await api(`/api/backfills/${backfillId}`)).body.status).toBe("success");
    await screenshot(page, "backfill-page");

    // A date's run names its backfill, logical date and data interval.
    await page.locator('table.backfill-dates tr[data-date="2026-10-03"] a').click();
    await page.waitForURL(/\/runs\//);
    const trigger = page.locator("#run-trigger");
    await trigger.getByRole("link", { name: backfillId }).first().waitFor();
    expect(await trigger.textContent()).toContain(`Backfill ${backfillId}`);
    expect(await page.locator("#run-logical-date").textContent()).toBe("2026-10-03 00:00 UTC · ds 2026-10-03");
    expect(await page.locator("#run-data-interval").textContent()).toBe("2026-10-03 00:00 → 2026-10-04 00:00 UTC");
    await screenshot(page, "run-backfill-trigger");

    // The DAG page lists the backfill with a link.
    await page.goto(`${BASE}/dags/${BF_DAG}`);
    const item = page.locator(`table.backfills tr[data-backfill="${backfillId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain("5 of 5 done");
    await screenshot(page, "dag-schedule");
  });

  it("cancels a running backfill behind a confirmation", async () => {
    const res = await api(`/api/dags/${BF_DAG}/backfills`, { method: "POST", json: { from: "2026-09-01", to: "2026-09-20", maxActiveRuns: 1 } });
    expect(res.status).toBe(201);
    await page.goto(`${BASE}/backfills/${res.body.backfillId}`);
    await page.getByRole("button", { name: "Cancel backfill" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel this backfill?" });
    await dialog.getByRole("button", { name: "Keep the backfill running" }).click();
    expect((await api(`/api/backfills/${res.body.backfillId}`)).body.status).toBe("running");
    await page.getByRole("button", { name: "Cancel backfill" }).click();
    await dialog.getByRole("button", { name: "Cancel backfill" }).click();
    await page.locator("#backfill-status").getByText("cancelled").waitFor();
    expect((await api(`/api/backfills/${res.body.backfillId}`)).body.status).toBe("cancelled");
    expect(await page.getByRole("button", { name: "Cancel backfill" }).count()).toBe(0);
  });
});
