import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, screenshot, signedInPage, waitForRun } from "./harness";

/** The lineage page on the example `orders_lineage` DAG: its dataset graph, a column's upstream path, the run page's lineage. */

let browser: BrowserContext;
let close: () => Promise<void>;
let page: Page;
let runId = "";

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  const run = await api("/api/dags/orders_lineage/runs", { method: "POST", json: { runKey: `e2e-lineage-${Date.now()}` } });
  expect(run.status).toBe(201);
  runId = run.body.runId;
  expect((await waitForRun(runId)).status).toBe("success");
  page = await signedInPage(browser);
});
afterAll(async () => {
  await close();
});

describe("the lineage page", () => {
  it("shows the datasets around d1://orders_enriched, and total_amount aggregated from line_items.amount by the run", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Lineage" }).click();
    await page.waitForURL(`${BASE}/lineage`);
    const row = page.locator('table.lineage-datasets tr[data-uri="d1://orders_enriched"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("orders_lineage.enrich");
    await row.getByRole("link", { name: "d1://orders_enriched" }).click();
    expect(new URL(page.url()).searchParams.get("dataset")).toBe("d1://orders_enriched");

    // The dataset graph: the dataset shown, its upstream and downstream datasets, edges named by DAG and task.
    const graph = page.getByRole("group", { name: "Dataset lineage of d1://orders_enriched" });
    await graph.waitFor();
    expect(await graph.locator('a.lnode[aria-current="true"]').getAttribute("data-node")).toBe("d1://orders_enriched");
    for (const uri of ["d1://stg_orders", "d1://line_items", "d1://orders", "d1://users", "https://reports.example.test/orders"])
      expect(await graph.locator(`a.lnode[data-node="${uri}"]`).count(), uri).toBe(1);
    const labels = await graph.locator(".edge-label text").allTextContents();
    expect(labels).toContain("orders_lineage.enrich");
    expect(labels).toContain("orders_lineage.stage_orders");
    expect(labels).toContain("orders_lineage.publish");

    // Pick a column: its upstream path, every hop, with the kinds in words and the writers linked.
    await page.getByLabel("Column", { exact: true }).selectOption("total_amount");
    expect(new URL(page.url()).searchParams.get("column")).toBe("total_amount");
    const path = page.getByRole("region", { name: "Upstream of d1://orders_enriched · total_amount" });
    const first = path.locator('table.column-path tr[data-from="d1://line_items#amount"][data-to="d1://orders_enriched#total_amount"]');
    await first.waitFor();
    expect(await first.locator("td").first().textContent()).toBe("1");
    expect(await first.locator("td.edge-kind").textContent()).toContain("DIRECT · aggregation");
    expect(await first.locator(`a[href="/runs/${runId}"]`).count()).toBe(1);
    expect(await first.locator(`a[href="/runs/${runId}#task-enrich"]`).textContent()).toBe("enrich");
    expect(await first.locator('a[href="/dags/orders_lineage"]').count()).toBe(1);
    // The second hop: the join key traced through stage_orders to the raw tables.
    const second = path.locator('table.column-path tr[data-to="d1://stg_orders#*"]');
    expect(await second.count()).toBeGreaterThan(0);
    expect(await second.first().locator("td").first().textContent()).toBe("2");
    expect(await path.locator("table.column-path").textContent()).toContain("INDIRECT · join");
    // The column graph labels its edges with their kind; the legend names every kind.
    const colGraph = path.getByRole("group", { name: "Column lineage of d1://orders_enriched total_amount" });
    expect(await colGraph.locator(".edge-label.lk-aggregation text").allTextContents()).toContain("aggregation");
    const legend = await path.locator(".lineage-legend").textContent();
    for (const k of ["IDENTITY", "TRANSFORMATION", "AGGREGATION", "FILTER", "JOIN", "GROUP_BY", "SORT", "WINDOW", "CONDITIONAL"]) expect(legend).toContain(k.toLowerCase().replace("_", " "));
    expect(await path.locator(".truncated").count()).toBe(0);
    await screenshot(page, "lineage");
    await path.locator("h2").evaluate((h) => h.scrollIntoView());
    await screenshot(page, "lineage-column-path");

    // A depth of 1 cuts the walk, and the page says so.
    await page.getByLabel("Depth (hops)").selectOption("1");
    await path.locator('.truncated[data-walk="columns"]').waitFor();
    expect(await path.locator(".truncated").textContent()).toContain("Cut short: it stopped after 1 hop");
    expect(await path.locator('table.column-path tr[data-to="d1://stg_orders#*"]').count()).toBe(0);

    // A node of the graph moves the page to that column.
    await page.getByLabel("Depth (hops)").selectOption("3");
    await path.locator('a.lnode[data-node="d1://line_items#amount"]').waitFor();
    await path.locator('a.lnode[data-node="d1://line_items#amount"]').focus();
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Upstream of d1://line_items · amount" }).waitFor();
    expect(new URL(page.url()).searchParams.get("dataset")).toBe("d1://line_items");
    await page.goBack();
    await path.locator('table.column-path tr[data-from="d1://line_items#amount"]').waitFor();
  });

  it("is linked from the run page (what the run read and wrote) and from the datasets page", async () => {
    await page.goto(`${BASE}/runs/${runId}`);
    const section = page.getByRole("region", { name: "Lineage" });
    await section.locator("ul.written").waitFor();
    const written = await section.locator("ul.written").textContent();
    expect(written).toContain("d1://orders_enriched");
    expect(written).toContain("d1://stg_orders");
    expect(await section.locator("ul.read").textContent()).toContain("d1://line_items");
    expect(await section.locator('tr[data-task="enrich"]').textContent()).toMatch(/d1:\/\/orders_enriched \d+ rows changed/);
    expect(await section.locator('tr[data-task="stage_orders"]').textContent()).toContain("rows not counted");
    await section.evaluate((el) => el.scrollIntoView());
    await screenshot(page, "run-lineage");
    await section.locator(`ul.written a[href="/lineage?dataset=${encodeURIComponent("d1://orders_enriched")}"]`).click();
    await page.getByRole("group", { name: "Dataset lineage of d1://orders_enriched" }).waitFor();

    await page.goto(`${BASE}/datasets`);
    const report = page.locator('tr[data-uri="https://reports.example.test/orders"]');
    await report.waitFor();
    await report.getByRole("link", { name: "Lineage of https://reports.example.test/orders" }).click();
    const graph = page.getByRole("group", { name: "Dataset lineage of https://reports.example.test/orders" });
    await graph.waitFor();
    expect(await graph.locator('a.lnode[data-node="d1://orders_enriched"]').count()).toBe(1);
  });

  it("says when lineage has not seen a dataset", async () => {
    await page.goto(`${BASE}/lineage?dataset=${encodeURIComponent("d1://never_written")}`);
    await page.getByText("Lineage has not seen").waitFor();
  });
});
