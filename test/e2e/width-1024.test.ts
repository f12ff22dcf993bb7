import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, screenshot, signedInPage, waitForRun } from "./harness";

/** The pages added since the first UI, at 1024 wide: no horizontal scroll, the content on screen. */

const DAG = `ui_narrow_${Date.now().toString(36)}`;
let browser: BrowserContext;
let close: () => Promise<void>;
let page: Page;
let backfillId = "";

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  expect((await api(`/api/dags/${DAG}`, { method: "PUT", json: { tasks: { done: { type: "empty" } } } })).status).toBe(201);
  const bf = await api(`/api/dags/${DAG}/backfills`, { method: "POST", json: { from: "2026-11-01", to: "2026-11-03" } });
  expect(bf.status).toBe(201);
  backfillId = bf.body.backfillId;
  const run = await api("/api/dags/orders_lineage/runs", { method: "POST", json: { runKey: "e2e-narrow" } });
  await waitForRun(run.body.runId);
  page = await signedInPage(browser, 1024, 768);
});
afterAll(async () => {
  await close();
});

/** Pixels the document is wider than the window (0 = no horizontal scroll). */
const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe("at 1024 wide", () => {
  const pages: Array<{ name: string; path: () => string; ready: string }> = [
    { name: "pools", path: () => "/pools", ready: 'article[data-pool="warehouse"]' },
    { name: "datasets", path: () => `/datasets?uri=${encodeURIComponent("https://reports.example.test/orders")}`, ready: "table.events tbody tr" },
    { name: "backfill", path: () => `/backfills/${backfillId}`, ready: "table.backfill-dates tbody tr" },
    { name: "backfill-form", path: () => `/dags/${DAG}/backfill`, ready: "button:has-text(\"Dry run\")" },
    { name: "lineage", path: () => `/lineage?dataset=${encodeURIComponent("d1://orders_enriched")}&column=total_amount`, ready: "table.column-path tbody tr" },
  ];
  for (const p of pages)
    it(`${p.name} has no horizontal scroll`, async () => {
      await page.goto(`${BASE}${p.path()}`);
      await page.locator(p.ready).first().waitFor();
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `${p.name}-1024`);
    });
});
