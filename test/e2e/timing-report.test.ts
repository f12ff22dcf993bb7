import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, ROOT, screenshot, signedInPage, waitForRun } from "./harness";

/**
 * The timing report (not a timed test: figures are printed and written to
 * test/e2e/screenshots/timing.json, never asserted): the DAG page of a 1,000-task DAG with 25 runs
 * (structure and state loaded, graph and grid on screen), and the JavaScript each page loads.
 */

const DAG = `ui_big_${Date.now().toString(36)}`;
const LAYERS = 50;
const WIDTH = 20;
const RUNS = 25;

function bigSpec() {
  const tasks: Record<string, { type: "empty"; dependsOn?: string[] }> = {};
  for (let l = 0; l < LAYERS; l++)
    for (let i = 0; i < WIDTH; i++)
      tasks[`t_${l}_${i}`] = l === 0 ? { type: "empty" } : { type: "empty", dependsOn: [`t_${l - 1}_${i}`, `t_${l - 1}_${(i + 1) % WIDTH}`] };
  return { description: "1,000 tasks in 50 layers, for the timing report", tasks };
}

let browser: BrowserContext;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  const reg = await api(`/api/dags/${DAG}`, { method: "PUT", json: bigSpec() });
  expect([200, 201]).toContain(reg.status);
  const ids: string[] = [];
  for (let r = 0; r < RUNS; r++) ids.push((await api(`/api/dags/${DAG}/runs`, { method: "POST", json: {} })).body.runId);
  for (const id of ids) await waitForRun(id, 120_000);
  // Every run's 1,000 task rows in the catalog.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await api(`/api/dags/${DAG}/grid?limit=${RUNS}`);
    const full = (body.runs as Array<{ tasks: object }>).filter((r) => Object.keys(r.tasks).length === LAYERS * WIDTH).length;
    if (full === RUNS) break;
    if (Date.now() > deadline) throw new Error(`grid has ${full} of ${RUNS} complete runs`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 300_000);
afterAll(async () => {
  await close();
});

describe("timing report", () => {
  it("measures the DAG page of a 1,000-task DAG with 25 runs and the JavaScript per page", async () => {
    const page = await signedInPage(browser);
    const samples: number[] = [];
    let resources: Array<{ name: string; ms: number; kb: number }> = [];
    let phases: Record<string, number> = {};
    for (let i = 0; i < 3; i++) {
      await page.goto(`${BASE}/dags/${DAG}`);
      await page.waitForFunction(() => performance.getEntriesByName("switchyard:dag-page-rendered").length > 0, undefined, { timeout: 60_000 });
      samples.push(await page.evaluate(() => performance.getEntriesByName("switchyard:dag-page-rendered")[0]?.startTime ?? -1));
      phases = await page.evaluate(() => {
        const at = (n: string) => Math.round(performance.getEntriesByName(n)[0]?.startTime ?? -1);
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
        return {
          htmlLoaded: Math.round(nav?.responseEnd ?? -1),
          domContentLoaded: Math.round(nav?.domContentLoadedEventEnd ?? -1),
          specLoaded: at("switchyard:spec-loaded"),
          gridLoaded: at("switchyard:grid-loaded"),
          rendered: at("switchyard:dag-page-rendered"),
        };
      });
      resources = await page.evaluate(() =>
        performance
          .getEntriesByType("resource")
          .filter((e) => e.name.includes("/api/"))
          .map((e) => ({ name: new URL(e.name).pathname, ms: Math.round(e.duration), kb: Math.round((e as PerformanceResourceTiming).encodedBodySize / 1024) })),
      );
    }
    expect(await page.locator("svg.graph g.node").count()).toBe(LAYERS * WIDTH);
    // The grid draws the rows in view (25 runs each), spacer rows stand for the rest.
    const drawn = await page.locator("table.runs-grid button.cell").count();
    expect(drawn % RUNS).toBe(0);
    expect(drawn).toBeGreaterThan(0);
    await page.locator(".grid-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator(`button.cell[data-task="t_${LAYERS - 1}_${WIDTH - 1}"]`).first().waitFor();
    await screenshot(page, "dag-1000-tasks");

    // A run page of the same DAG: 1,000 tasks, the graph, the Gantt of 1,000 attempts, 100 task cards.
    const runId = await page.locator("button.run-bar-btn").last().getAttribute("data-run");
    const runSamples: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`${BASE}/runs/${runId}`);
      await page.waitForFunction(() => performance.getEntriesByName("switchyard:run-page-rendered").length > 0, undefined, { timeout: 60_000 });
      runSamples.push(await page.evaluate(() => performance.getEntriesByName("switchyard:run-page-rendered")[0]?.startTime ?? -1));
    }
    expect(await page.locator("article.task").count()).toBe(100);
    expect(await page.locator("svg.gantt rect.bar").count()).toBe(LAYERS * WIDTH);
    const sizes = JSON.parse(readFileSync(join(ROOT, "dist", "ui-sizes.json"), "utf8")) as Record<string, { gzip: number; raw: number }>;
    const report = {
      dagPage1000x25: { msFromNavigationToRendered: samples.map(Math.round), medianMs: Math.round([...samples].sort((a, b) => a - b)[1] ?? -1), lastPhasesMs: phases, requests: resources },
      runPage1000: { msFromNavigationToRendered: runSamples.map(Math.round), medianMs: Math.round([...runSamples].sort((a, b) => a - b)[1] ?? -1) },
      jsPerPageKB: Object.fromEntries(Object.entries(sizes).map(([p, s]) => [p, { gzip: +(s.gzip / 1024).toFixed(1), raw: +(s.raw / 1024).toFixed(1) }])),
    };
    writeFileSync(join(ROOT, "test", "e2e", "screenshots", "timing.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`timing report: ${JSON.stringify(report, null, 2)}`);
  });
});
