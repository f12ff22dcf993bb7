import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, launchChromium, screenshot, signedInPage } from "./harness";

/**
 * The newcomer's path: sign in, find the DAG, trigger it from the generated form (an out-of-range
 * param first), and watch the run page turn green without a reload.
 */

const DAG = "ui_orders";
const spec = {
  description: "orders ETL with a flaky extract, for the UI tests",
  tags: ["orders", "demo"],
  params: {
    volume: { type: "integer", minimum: 1, maximum: 100, default: 10, description: "orders to load" },
    region: { type: "string", enum: ["eu", "us"], default: "eu" },
    dryRun: { type: "boolean", default: false },
  },
  tasks: {
    extract: {
      type: "http",
      request: { url: `${BASE}/demo/flaky?failures=1` },
      retries: { limit: 3, delaySeconds: 1, backoff: "constant" },
      timeoutSeconds: 10,
    },
    list: { type: "function", function: "range", args: { n: 3 }, dependsOn: ["extract"], timeoutSeconds: 10 },
    price_each: { type: "function", function: "echo", dependsOn: ["list"], map: { over: "tasks.list.output" }, args: "{{ item }}", timeoutSeconds: 10 },
    load: { type: "sql", dependsOn: ["price_each"], sql: "SELECT {{ params.volume }} AS volume", timeoutSeconds: 10 },
    report: { type: "function", function: "echo", dependsOn: ["load"], args: { region: "{{ params.region }}" }, timeoutSeconds: 10 },
    done: { type: "empty", dependsOn: ["report"] },
  },
};
const TASKS = Object.keys(spec.tasks);

let browser: BrowserContext;
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
  const reg = await api(`/api/dags/${DAG}`, { method: "PUT", json: spec });
  expect([200, 201]).toContain(reg.status);
  // Some history for the list's squares: runs of the example DAGs `npm start` registered.
  for (const example of ["orders_etl", "branching", "fan_out", "orders_etl", "branching"]) {
    const res = await api(`/api/dags/${example}/runs`, { method: "POST", json: {} });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await close();
});

describe("sign in, trigger from the form, watch the run", () => {
  it("keeps the token out of the URL and signs in with the 'API token' field", async () => {
    page = await signedInPage(browser);
    expect(page.url()).not.toContain("token");
    const stored = await page.evaluate(() => Object.keys(sessionStorage));
    expect(stored).toEqual(["switchyard.apiToken"]);
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
  });

  it("lists the DAG with its description and tags, filters by tag and text", async () => {
    const row = page.locator(`tr[data-dag="${DAG}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("flaky extract");
    await expect(row.locator(".tag").allTextContents()).resolves.toEqual(["orders", "demo"]);
    await page.getByLabel("Tag").selectOption("orders");
    expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    await page.getByLabel("Filter by name or description").fill("no-such-dag-name");
    await page.getByText("No DAG matches.").waitFor();
    await page.getByLabel("Filter by name or description").fill("ui_ord");
    await page.getByLabel("Tag").selectOption("");
    expect(await page.locator("tbody tr").count()).toBe(1);
    await page.getByLabel("Filter by name or description").fill("");
  });

  it("generates the trigger form and shows the API's error next to an out-of-range param", async () => {
    await page.getByRole("link", { name: `Trigger ${DAG}` }).click();
    await page.getByRole("button", { name: "Trigger" }).waitFor();
    // Defaults filled, enums as selects, booleans as checkboxes.
    await expect(page.getByLabel("volume").inputValue()).resolves.toBe("10");
    expect(await page.getByLabel("region").evaluate((el) => el.tagName)).toBe("SELECT");
    await expect(page.getByLabel("region").inputValue()).resolves.toBe("eu");
    expect(await page.getByLabel("dryRun").getAttribute("type")).toBe("checkbox");

    await page.getByLabel("volume").fill("500");
    await page.getByRole("button", { name: "Trigger" }).click();
    const err = page.locator('[data-param="volume"] .field-error');
    await err.filter({ hasText: "volume" }).waitFor();
    expect(await err.textContent()).toContain("volume must be ≤ 100");
    expect(await page.getByLabel("volume").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator('[data-param="region"] .field-error').textContent()).toBe("");
    await screenshot(page, "trigger-form");
  });

  it("starts the run with valid params and opens its page, which turns green without a reload", async () => {
    await page.getByLabel("volume").fill("42");
    await page.getByLabel("region").selectOption("us");
    await page.getByRole("button", { name: "Trigger" }).click();
    await page.waitForURL(/\/runs\//);
    await page.locator("#run-status").waitFor();
    // A marker that a reload would wipe.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    for (const id of TASKS) await page.locator(`article[data-task="${id}"][data-state="success"]`).waitFor({ timeout: 45_000 });
    await page.locator("#run-status").getByText("success").waitFor();
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // Task names and states as text.
    for (const id of TASKS) {
      const card = page.locator(`article[data-task="${id}"]`);
      expect(await card.locator(".name").textContent()).toBe(id);
      expect(await card.locator(".task-head .badge").textContent()).toBe("success");
    }
    // The flaky task: two attempts, the first failed, the second succeeded.
    const attempts = page.locator('article[data-task="extract"] table.attempts tbody tr');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).locator(".badge").textContent()).toBe("failed");
    expect(await attempts.nth(1).locator(".badge").textContent()).toBe("success");
    expect(await attempts.nth(0).textContent()).toContain("503");
    // Mapped instances counted by state.
    expect(await page.locator('article[data-task="price_each"] .counts').textContent()).toContain("success 3");
    // Params as given.
    expect(await page.locator('pre[aria-label="params"]').textContent()).toContain('"volume": 42');
    // Gantt: one bar per attempt, the retry a bar of its own.
    expect(await page.locator('svg.gantt rect.bar[data-task="extract"]').count()).toBe(2);
    expect(await page.locator("svg.gantt rect.bar").count()).toBeGreaterThanOrEqual(TASKS.length + 1);
    // Graph: one node per task, every one green, labelled with its state (mapped as n/m).
    expect(await page.locator("svg.graph g.node").count()).toBe(TASKS.length);
    expect(await page.locator('svg.graph g.node[data-state="success"]').count()).toBe(TASKS.length);
    expect(await page.locator('svg.graph g.node[data-task="price_each"] .node-state').textContent()).toBe("success 3/3");
    await page.locator("svg.gantt").scrollIntoViewIfNeeded();
    await screenshot(page, "run-gantt");
    // The task list filters by name and state.
    await page.getByLabel("Filter tasks by name").fill("price");
    expect(await page.locator("article.task .name").allTextContents()).toEqual(["price_each"]);
    await page.getByLabel("Filter tasks by name").fill("");
    await page.getByLabel("State", { exact: true }).selectOption("success");
    expect(await page.locator("article.task").count()).toBe(TASKS.length);
  });

  it("shows the DAG page's graph coloured by the run and the runs grid", async () => {
    await page.getByRole("link", { name: DAG }).first().click();
    await page.waitForURL(new RegExp(`/dags/${DAG}$`));
    await page.locator('svg.graph g.node[data-state="success"]').first().waitFor();
    expect(await page.locator("svg.graph g.node").count()).toBe(TASKS.length);
    await screenshot(page, "dag-graph");
  });

  it("shows the run among the DAG's last runs, its state as text on the square", async () => {
    await page.getByRole("link", { name: "DAGs" }).click();
    const square = page.locator(`tr[data-dag="${DAG}"] a.square`).last();
    await square.waitFor();
    expect(await square.getAttribute("aria-label")).toMatch(/: success$/);
    await page.locator('tr[data-dag="orders_etl"] a.square').nth(1).waitFor();
    await square.focus();
    await screenshot(page, "dag-list");
  });
});
