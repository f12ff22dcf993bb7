import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * End-to-end harness: Switchyard started the way `npm start` starts it (scripts/start.mjs on its
 * own port with fresh local state), and the system's Chromium driven by playwright-core.
 */

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const SCREENSHOTS = join(ROOT, "test", "e2e", "screenshots");
const PORT = Number(process.env.E2E_PORT ?? 8797);
export const BASE = process.env.E2E_BASE ?? `http://127.0.0.1:${PORT}`;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function token(): string {
  const vars = readFileSync(join(ROOT, ".dev.vars"), "utf8");
  return /API_TOKEN\s*=\s*"?([^"\n]+)"?/.exec(vars)?.[1] ?? "dev-token-change-me";
}

let server: ChildProcess | undefined;
let state: string | undefined;

/** Starts `node scripts/start.mjs --port PORT --persist-to <fresh dir>` unless E2E_BASE names a running one. */
export async function startSwitchyard(): Promise<void> {
  if (process.env.E2E_BASE) return;
  state = mkdtempSync(join(tmpdir(), "switchyard-e2e-"));
  server = spawn(process.execPath, ["scripts/start.mjs", "--port", String(PORT), "--persist-to", state], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  const ready = new Promise<void>((res, rej) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("Switchyard is running at")) res();
    };
    server?.stdout?.on("data", onData);
    server?.stderr?.on("data", (b: Buffer) => (out += b.toString()));
    server?.on("exit", (code) => rej(new Error(`start.mjs exited ${code}: ${out.slice(-2000)}`)));
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`not ready in 90 s: ${out.slice(-2000)}`)), 90_000)));
  try {
    await Promise.race([ready, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function stopSwitchyard(): Promise<void> {
  const s = server;
  server = undefined;
  if (s?.pid !== undefined) {
    const exited = new Promise((r) => s.once("exit", r));
    try {
      process.kill(-s.pid, "SIGTERM");
    } catch {
      // already gone
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer);
    // Let go of the pipes, so the test runner can exit.
    s.stdout?.destroy();
    s.stderr?.destroy();
    s.unref();
  }
  if (state) rmSync(state, { recursive: true, force: true });
}

/**
 * Headless Debian Chromium with a fresh profile (never a downloaded browser). playwright-core takes
 * the profile directory as launchPersistentContext's first argument (it passes `--user-data-dir`).
 */
export async function launchChromium(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "switchyard-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page at 1400×900 that has signed in through the sign-in form. */
export async function signedInPage(browser: BrowserContext, width = 1400, height = 900): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height });
  await page.goto(`${BASE}/`);
  await page.getByLabel("API token").fill(token());
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "DAGs" }).waitFor();
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The JSON API, for setting up what a test then looks at in the browser. */
export async function api(path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${BASE}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

export async function waitForRun(runId: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api(`/api/runs/${runId}?tasks=false`);
    if (["success", "failed", "cancelled"].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
