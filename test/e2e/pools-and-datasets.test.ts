import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, screenshot, signedInPage, waitForRun } from "./harness";

/** The pools page (the example `warehouse` pool, its holders live) and the datasets page (what the example DAGs write and read). */

const POOL_DAG = `ui_pool_${Date.now().toString(36)}`;

let browser: BrowserContext;
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  const reg = await api(`/api/dags/${POOL_DAG}`, {
    method: "PUT",
    json: { tasks: { hold: { type: "http", request: { url: `${BASE}/demo/slow?ms=8000` }, pool: "warehouse", timeoutSeconds: 30 } } },
  });
  expect(reg.status).toBe(201);
  page = await signedInPage(browser);
});
afterAll(async () => {
  await close();
});

describe("the pools page", () => {
  it("lists the example pool with its slots, and a holder appears live with links to its run and task", async () => {
    await page.goto(`${BASE}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pools" }).click();
    await page.waitForURL(`${BASE}/pools`);
    const pool = page.locator('article[data-pool="warehouse"]');
    await pool.waitFor();
    expect(await pool.getByRole("heading", { name: "warehouse" }).count()).toBe(1);
    expect(await pool.locator(".pool-usage").getAttribute("data-slots")).toBe("2");

    const run = await api(`/api/dags/${POOL_DAG}/runs`, { method: "POST" });
    const runId: string = run.body.runId;
    const holder = pool.locator(`table.holders a[href="/runs/${runId}"]`);
    await holder.waitFor({ timeout: 20_000 });
    expect(await pool.locator("table.holders").textContent()).toContain("hold");
    expect(await pool.locator(`table.holders a[href="/runs/${runId}#task-hold"]`).count()).toBe(1);
    expect(await pool.locator(".pool-usage").textContent()).toMatch(/^[12] of 2 slots used/);
    await screenshot(page, "pools");
    await waitForRun(runId);
  });
});

describe("the datasets page", () => {
  it("lists the examples' datasets with producers and consumers, and a dataset's recent updates", async () => {
    const etl = await api("/api/dags/orders_etl/runs", { method: "POST" });
    expect((await waitForRun(etl.body.runId)).status).toBe("success");
    const daily = await api("/api/dags/daily_etl/runs", { method: "POST", json: { logicalDate: "2026-12-20" } });
    await waitForRun(daily.body.runId, 45_000);

    await page.goto(`${BASE}/datasets`);
    const raw = page.locator('tr[data-uri="d1://orders_raw"]');
    await raw.waitFor();
    expect(await raw.locator("td").nth(3).textContent()).toContain("orders_etl.load");
    expect(await raw.locator("td").nth(4).textContent()).toContain("fresh_orders_report");
    expect(await raw.locator('a[href="/dags/fresh_orders_report"]').count()).toBe(1);
    const daily_orders = page.locator('tr[data-uri="d1://daily_orders"]');
    expect(await daily_orders.locator("td").nth(3).textContent()).toContain("daily_etl.load");

    expect(await raw.getByRole("link", { name: "Lineage of d1://orders_raw" }).getAttribute("href")).toBe(`/lineage?dataset=${encodeURIComponent("d1://orders_raw")}`);
    await raw.getByRole("link", { name: "d1://orders_raw", exact: true }).click();
    expect(new URL(page.url()).search).toBe(`?uri=${encodeURIComponent("d1://orders_raw")}`);
    const events = page.getByRole("region", { name: "Recent updates of d1://orders_raw" });
    await events.locator(`a[href="/runs/${etl.body.runId}"]`).waitFor();
    await screenshot(page, "datasets");

    // The consuming DAG ran on those updates, and its run page says so with links.
    const deadline = Date.now() + 30_000;
    let consumer: { runId: string } | undefined;
    while (!consumer && Date.now() < deadline) {
      consumer = ((await api("/api/dags/fresh_orders_report/runs")).body.runs as Array<{ runId: string; trigger: { type: string } }>).find((r) => r.trigger.type === "dataset");
      if (!consumer) await new Promise((r) => setTimeout(r, 300));
    }
    expect(consumer).toBeDefined();
    await page.goto(`${BASE}/runs/${consumer?.runId ?? ""}`);
    const trigger = page.locator("#run-trigger");
    await trigger.getByText(/dataset update/).waitFor();
    expect(await trigger.locator('a[href^="/datasets?uri="]').count()).toBeGreaterThan(0);
    await screenshot(page, "run-dataset-trigger");

    // The consuming DAG's page describes its trigger in words, linking both datasets.
    await page.goto(`${BASE}/dags/fresh_orders_report`);
    const triggers = page.getByRole("region", { name: "Triggers" });
    await triggers.locator('li[data-kind="datasets"]').waitFor();
    expect(await triggers.locator('li[data-kind="datasets"]').textContent()).toContain("Once d1://daily_orders and d1://orders_raw were all updated");
    expect(await triggers.locator(`a[href="/datasets?uri=${encodeURIComponent("d1://orders_raw")}"]`).count()).toBe(1);
    await screenshot(page, "dag-triggers");
    await page.goto(`${BASE}/dags/after_daily_etl`);
    await page.getByRole("region", { name: "Triggers" }).locator('li[data-kind="dag"] a[href="/dags/daily_etl"]').waitFor();
  });
});
