// Process handling for the bench: start `wrangler dev` on a free loopback port in its own
// process group, wait for readiness, sample workerd RSS, and kill what we started.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, rm, readFile, readdir } from "node:fs/promises";
import { openSync, closeSync, readFileSync, rmSync, cpSync, readdirSync, symlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");

/** Environment for wrangler: its own Node (node_modules/.bin/node) first on PATH, no metrics. */
export function wranglerEnv() {
  return {
    ...process.env,
    PATH: `${BIN}:${process.env.PATH ?? ""}`,
    WRANGLER_SEND_METRICS: "false",
    // no prompts, no interactive session
    CI: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

const started = new Set(); // process-group ids we own

/** Kill every process group we started (sync; safe from exit handlers). */
export function killAllSync(signal = "SIGKILL") {
  for (const pgid of started) {
    try {
      process.kill(-pgid, signal);
    } catch {
      /* already gone */
    }
  }
  started.clear();
}

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const tempDirs = new Set();

/** A fresh --persist-to directory; removed by stop() or removeTempDirsSync(). */
export async function makeTempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), `switchyard-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirsSync() {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
  tempDirs.clear();
}

async function tail(file, lines = 25) {
  try {
    const text = await readFile(file, "utf8");
    return text
      .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "") // colours
      .split("\n")
      .filter((l) => !/Request\.cf|getaddrinfo|GetAddrInfoReqWrap|callbackTrampoline/.test(l))
      .slice(-lines)
      .join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Copy the project (without node_modules, .git, .wrangler, bench) into `dir`/app and link
 * node_modules, so that `wrangler dev` runs a frozen snapshot: edits made to src/ during
 * a measurement would otherwise rebuild and restart the Worker mid-run.
 */
export function snapshotProject(dir) {
  const app = join(dir, "app");
  const skip = new Set(["node_modules", ".git", ".wrangler", "bench", ".dev.vars"]);
  for (const ent of readdirSync(ROOT)) {
    if (skip.has(ent)) continue;
    cpSync(join(ROOT, ent), join(app, ent), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
  return app;
}

/**
 * The project as committed at a git ref (a commit, branch or tag), extracted into `dir`/app with
 * node_modules linked: `switchyard-base` runs it next to the working tree, in the same bench run.
 */
export function snapshotRef(dir, ref) {
  const app = join(dir, "app");
  mkdirSync(app, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", ref], { cwd: ROOT, maxBuffer: 256 * 2 ** 20 });
  execFileSync("tar", ["-x", "-C", app], { input: archive });
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
  return app;
}

/** Run a wrangler command to completion (e.g. d1 migrations apply). */
export async function runWrangler(args, { logFile, cwd = ROOT, timeoutMs = 120_000 } = {}) {
  const fd = openSync(logFile, "a");
  const child = spawn(join(BIN, "wrangler"), args, {
    cwd,
    env: wranglerEnv(),
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  started.add(child.pid);
  const code = await new Promise((res) => {
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      res("timeout");
    }, timeoutMs);
    child.on("exit", (c) => {
      clearTimeout(t);
      res(c);
    });
    child.on("error", () => res("spawn-error"));
  });
  started.delete(child.pid);
  if (code !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed (${code}):\n${await tail(logFile)}`);
  }
}

/**
 * Start `wrangler dev` and wait until `GET healthPath` answers 200. `persistDir` is the temp
 * directory removed by stop() (made if not given); `stateDir` (default: it) is --persist-to.
 * Returns { url, pid, dir, logFile, stop() }.
 */
export async function startWranglerDev({ name, config, cwd = ROOT, persistDir, stateDir, vars = {}, healthPath = "/health", timeoutMs = 120_000 }) {
  const dir = persistDir ?? (await makeTempDir(name));
  const port = await freePort();
  const inspectorPort = await freePort();
  const logFile = join(dir, "wrangler.log");
  const args = ["dev"];
  if (config) args.push("-c", config);
  args.push(
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", stateDir ?? dir,
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
  );
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const fd = openSync(logFile, "a");
  const child = spawn(join(BIN, "wrangler"), args, {
    cwd,
    env: wranglerEnv(),
    stdio: ["ignore", fd, fd],
    detached: true, // own process group, so we can kill wrangler + workerd together
  });
  closeSync(fd);
  started.add(child.pid);
  let exited = null;
  child.on("exit", (code, sig) => (exited = sig ?? code));
  child.on("error", (e) => (exited = e.message));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!started.has(child.pid)) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    const deadline = Date.now() + 5000;
    while (exited === null && Date.now() < deadline) await sleep(50);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    started.delete(child.pid);
    await sleep(100);
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    tempDirs.delete(dir);
  };

  const t0 = Date.now();
  for (;;) {
    if (exited !== null) {
      const log = await tail(logFile);
      await stop();
      throw new Error(`${name}: wrangler dev exited (${exited}) before it was ready:\n${log}`);
    }
    // wrangler dev does not exit when the build fails; it waits for a file change.
    if (await buildFailed(logFile)) {
      await sleep(300); // let it finish writing the error
      const log = await tail(logFile);
      await stop();
      throw new Error(`${name}: the Worker's build failed:\n${log}`);
    }
    if (Date.now() - t0 > timeoutMs) {
      const log = await tail(logFile);
      await stop();
      throw new Error(`${name}: not ready after ${timeoutMs / 1000}s (GET ${healthPath}):\n${log}`);
    }
    try {
      const r = await fetch(url + healthPath, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(150);
  }
  return { name, url, pid: child.pid, dir, logFile, startupMs: Date.now() - t0, stop, logTail: () => tail(logFile) };
}

async function buildFailed(logFile) {
  try {
    return /Build failed|Could not resolve/.test(await readFile(logFile, "utf8"));
  } catch {
    return false;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- RSS of workerd processes under a process tree ----------------------------------

async function procTable() {
  const out = [];
  for (const ent of await readdir("/proc")) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = readFileSync(`/proc/${ent}/stat`, "utf8");
      // pid (comm) state ppid ...; comm may contain spaces/parens
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      out.push({ pid: Number(ent), ppid, comm });
    } catch {
      /* raced with exit */
    }
  }
  return out;
}

/** PIDs of workerd processes descending from rootPid. */
export async function workerdPids(rootPid) {
  const table = await procTable();
  const kids = new Map();
  for (const p of table) {
    if (!kids.has(p.ppid)) kids.set(p.ppid, []);
    kids.get(p.ppid).push(p);
  }
  const found = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    for (const c of kids.get(pid) ?? []) {
      if (c.comm.startsWith("workerd")) found.push(c.pid);
      stack.push(c.pid);
    }
  }
  return found;
}

/** Summed VmRSS (bytes) of the given pids; missing ones count 0. */
export function rssBytes(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) sum += Number(m[1]) * 1024;
    } catch {}
  }
  return sum;
}

/** Sample RSS every `everyMs` until stop(); returns { baseline, peak } in bytes. */
export async function rssSampler(rootPid, everyMs = 50) {
  let pids = await workerdPids(rootPid);
  const baseline = rssBytes(pids);
  let peak = baseline;
  let n = 0;
  const timer = setInterval(async () => {
    if (++n % 20 === 0) pids = await workerdPids(rootPid); // pick up new workerd children
    peak = Math.max(peak, rssBytes(pids));
  }, everyMs);
  return {
    baseline,
    pids,
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pids));
      return { baseline, peak, pids: pids.length };
    },
  };
}

// ---- waiting for a quiet machine ------------------------------------------------------

/** Busy and total jiffies of all CPUs, from /proc/stat. */
function cpuTimes() {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]; // "cpu  user nice system idle iowait irq softirq steal ..."
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the whole machine has been mostly idle for one window: a system that is still
 * working after its last measured run (writing history, finishing instances, compacting storage)
 * must not slow down the next series measured on the same cores. Returns the time waited (ms).
 */
export async function waitForQuiet({ windowMs = 300, busyBelow = 0.15, maxMs = 20_000 } = {}) {
  const t0 = Date.now();
  for (;;) {
    const a = cpuTimes();
    await sleep(windowMs);
    const b = cpuTimes();
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    if (busy < busyBelow || Date.now() - t0 >= maxMs) return Date.now() - t0;
  }
}
