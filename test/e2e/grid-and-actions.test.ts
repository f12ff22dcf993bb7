import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, screenshot, signedInPage, waitForRun } from "./harness";

/** The runs grid (runs × tasks, a cell opens its task instance) and cancel / clear from the run page. */

const GRID_DAG = `ui_grid_${Date.now().toString(36)}`;
const gridSpec = {
  description: "three tasks, one of them failing when asked",
  tags: ["demo"],
  params: { fail: { type: "boolean", default: false } },
  tasks: {
    extract: { type: "function", function: "echo", args: { ok: true }, timeoutSeconds: 10 },
    check: { type: "branch", dependsOn: ["extract"], expression: "params.fail ? 'boom' : 'load'" },
    boom: { type: "function", function: "fail", args: { message: "asked to fail" }, dependsOn: ["check"], timeoutSeconds: 10 },
    load: { type: "sql", dependsOn: ["check"], sql: "SELECT 1 AS one", timeoutSeconds: 10 },
    done: { type: "empty", dependsOn: ["load", "boom"], triggerRule: "none_failed_min_one_success" },
  },
};
const SLOW_DAG = `ui_slow_${Date.now().toString(36)}`;
const slowSpec = {
  tasks: {
    wait: { type: "http", request: { url: `${BASE}/demo/slow?ms=20000` }, timeoutSeconds: 60 },
    after: { type: "empty", dependsOn: ["wait"] },
  },
};

let browser: BrowserContext;
let close: () => Promise<void>;
let page: Page;
const runIds: string[] = [];

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  for (const [id, s] of [[GRID_DAG, gridSpec], [SLOW_DAG, slowSpec]] as const) {
    const reg = await api(`/api/dags/${id}`, { method: "PUT", json: s });
    expect([200, 201]).toContain(reg.status);
  }
  for (const fail of [false, true, false]) {
    const res = await api(`/api/dags/${GRID_DAG}/runs`, { method: "POST", json: { params: { fail } } });
    runIds.push(res.body.runId);
    await waitForRun(res.body.runId);
  }
  page = await signedInPage(browser);
});
afterAll(async () => {
  await close();
});

describe("the runs grid", () => {
  it("shows runs × tasks with states as text, and a cell opens that task instance", async () => {
    await page.goto(`${BASE}/dags/${GRID_DAG}`);
    const cells = page.locator("table.runs-grid button.cell");
    await page.waitForFunction(() => document.querySelectorAll("table.runs-grid button.cell").length === 15);
    // Rows follow the graph (topological), columns are runs oldest first.
    const rows = await page.locator("table.runs-grid tbody th").allTextContents();
    expect([rows[0], rows[1], rows[4]]).toEqual(["extract", "check", "done"]);
    expect(rows.slice(2, 4).sort()).toEqual(["boom", "load"]);
    const failedRun = runIds[1] ?? "";
    const boom = page.locator(`button.cell[data-run="${failedRun}"][data-task="boom"]`);
    await page.waitForFunction(
      (id) => document.querySelector(`button.cell[data-run="${id}"][data-task="boom"]`)?.getAttribute("data-state") === "failed",
      failedRun,
    );
    expect(await boom.getAttribute("aria-label")).toBe(`boom in run ${failedRun.slice(0, 8)}: failed`);
    expect(await page.locator(`button.cell[data-run="${runIds[0]}"][data-task="boom"]`).getAttribute("data-state")).toBe("skipped");
    expect(await cells.count()).toBe(15);
    expect(await page.locator("table.runs-grid .run-bar").count()).toBe(3);

    await boom.click();
    const aside = page.getByLabel("Selected task instance");
    await aside.getByText("asked to fail").waitFor();
    expect(await aside.locator(".badge").textContent()).toBe("failed");
    // The graph now shows the selected run.
    await page.waitForFunction(() => document.querySelector('svg.graph g.node[data-task="boom"]')?.getAttribute("data-state") === "failed");
    await screenshot(page, "dag-grid");
  });

  it("is usable at 1024 wide", async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`${BASE}/dags/${GRID_DAG}`);
    await page.locator("table.runs-grid button.cell").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: "Trigger", exact: true }).focus();
    await page.keyboard.press("Tab");
    await screenshot(page, "dag-1024");
    await page.setViewportSize({ width: 1400, height: 900 });
  });
});

describe("cancel and clear from the run page", () => {
  // Clear first: the cancelled run's slow request keeps a local queue consumer busy until its worker
  // aborts it at the next heartbeat.
  it("clears a task with its downstream tasks, which run again as new attempts", async () => {
    const runId = runIds[0] ?? "";
    await page.goto(`${BASE}/runs/${runId}`);
    await page.locator('article[data-task="done"][data-state="success"]').waitFor();
    await page.getByRole("button", { name: "Clear extract" }).click();
    const dialog = page.getByRole("dialog", { name: "Clear extract?" });
    expect(await dialog.getByLabel("Also clear everything downstream").isChecked()).toBe(true);
    await dialog.getByRole("button", { name: "Clear extract" }).click();
    await page.getByText("Cleared extract and downstream.").waitFor();
    await page.waitForFunction(
      () => document.querySelectorAll('article[data-task="extract"] table.attempts tbody tr').length === 2,
      undefined,
      { timeout: 20_000 },
    );
    await page.locator('article[data-task="load"][data-state="success"]').waitFor({ timeout: 20_000 });
    await page.locator("#run-status").getByText("success").waitFor({ timeout: 20_000 });
    const view = await api(`/api/runs/${runId}`);
    const load = view.body.tasks.find((t: { taskId: string }) => t.taskId === "load");
    expect(load.attempts).toBe(2);
  });

  it("retries a failed run's failed tasks after confirmation", async () => {
    const runId = runIds[1] ?? "";
    await page.goto(`${BASE}/runs/${runId}`);
    await page.locator('article[data-task="boom"][data-state="failed"]').waitFor();
    await page.getByRole("button", { name: "Retry failed tasks" }).click();
    await page.getByRole("dialog", { name: "Retry the failed tasks?" }).getByRole("button", { name: "Retry failed tasks" }).click();
    await page.getByText("Retrying the failed tasks.").waitFor();
    // boom fails again (it is asked to): a second attempt, and the run ends failed again.
    await page.waitForFunction(
      () => document.querySelectorAll('article[data-task="boom"] table.attempts tbody tr').length === 2,
      undefined,
      { timeout: 20_000 },
    );
    await page.locator("#run-status").getByText("failed").waitFor({ timeout: 20_000 });
    expect(await page.locator('article[data-task="extract"] table.attempts tbody tr').count()).toBe(1);
  });

  it("cancels a running run after confirmation", async () => {
    const res = await api(`/api/dags/${SLOW_DAG}/runs`, { method: "POST", json: {} });
    await page.goto(`${BASE}/runs/${res.body.runId}`);
    await page.locator('article[data-task="wait"][data-state="running"]').waitFor({ timeout: 20_000 });
    // The Gantt of a run in progress: the running attempt is an open bar whose time grows (its
    // width is the whole chart while it is the only attempt: the axis stretches instead).
    const bar = page.locator('svg.gantt rect.bar.open[data-task="wait"]');
    await bar.waitFor();
    const seconds = async () => Number(/running, ([\d.]+) s so far$/.exec((await bar.locator("title").textContent()) ?? "")?.[1] ?? NaN);
    const before = await seconds();
    expect(before).toBeGreaterThanOrEqual(0);
    await page.waitForFunction(
      (s) => {
        const m = /([\d.]+) s so far$/.exec(document.querySelector('svg.gantt rect.bar.open[data-task="wait"] title')?.textContent ?? "");
        return m !== null && Number(m[1]) > s;
      },
      before,
      { timeout: 10_000 },
    );
    await screenshot(page, "run-in-progress");
    await page.getByRole("button", { name: "Cancel run" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel this run?" });
    await dialog.waitFor();
    // Backing out leaves the run alone.
    await dialog.getByRole("button", { name: "Keep the run as it is" }).click();
    expect(await page.locator("#run-status .badge").textContent()).toBe("running");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel run" }).click();
    await page.locator("#run-status").getByText("cancelled").waitFor();
    await page.locator('article[data-task="wait"][data-state="cancelled"]').waitFor();
    await page.locator('article[data-task="after"][data-state="cancelled"]').waitFor();
    expect(await page.getByRole("button", { name: "Retry failed tasks" }).count()).toBe(1);
  });
});
