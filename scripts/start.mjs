#!/usr/bin/env node
// `npm start [-- --port N]`: starts Switchyard locally on workerd (wrangler dev) with local D1,
// Queues, R2 and Durable Objects, applies the catalog migrations, and registers the example DAGs.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
process.env.WRANGLER_SEND_METRICS = "false";

const args = process.argv.slice(2);
const portFlag = args.indexOf("--port");
const port = portFlag >= 0 ? Number(args[portFlag + 1]) : Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`start: --port must be a TCP port number, got '${args[portFlag + 1] ?? ""}'`);
  process.exit(2);
}
const passThrough = args.filter((a, i) => !(i === portFlag || i === portFlag + 1));

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("start: created .dev.vars from .dev.vars.example");
}
// A .dev.vars from an older checkout gets the variables the example added since (never overwritten).
{
  const have = readFileSync(".dev.vars", "utf8");
  const missing = readFileSync(".dev.vars.example", "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line) && !new RegExp(`^${line.split("=")[0]}=`, "m").test(have));
  if (missing.length > 0) {
    appendFileSync(".dev.vars", `${have.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
    console.log(`start: added ${missing.map((l) => l.split("=")[0]).join(", ")} to .dev.vars`);
  }
}
const token = /API_TOKEN\s*=\s*"?([^"\n]+)"?/.exec(readFileSync(".dev.vars", "utf8"))?.[1];
if (!token) {
  console.error("start: .dev.vars has no API_TOKEN");
  process.exit(2);
}

// The web UI's client assets, which wrangler serves from dist/public.
const { buildUi } = await import("./build-ui.mjs");
await buildUi({ quiet: true });

// `--persist-to DIR` (passed on to wrangler dev) also holds the migrated catalog.
const persistFlag = passThrough.indexOf("--persist-to");
const persist = persistFlag >= 0 ? ["--persist-to", passThrough[persistFlag + 1]] : [];

const wrangler = join(root, "node_modules", ".bin", "wrangler");
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "CATALOG", "--local", ...persist], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "true" },
});
if (migrate.status !== 0) {
  console.error("start: applying the catalog migrations failed");
  process.exit(migrate.status ?? 1);
}

const base = `http://127.0.0.1:${port}`;
// --test-scheduled: GET /__scheduled?cron=* * * * * fires the minute cron tick by hand.
const dev = spawn(wrangler, ["dev", "--port", String(port), "--ip", "127.0.0.1", "--test-scheduled", "--var", `PUBLIC_URL:${base}`, "--var", "DEV_TOOLS:on", ...passThrough], {
  stdio: ["inherit", "inherit", "inherit"],
});
const stop = (signal) => {
  if (!dev.killed) dev.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
dev.on("exit", (code) => process.exit(code ?? 0));

async function waitReady() {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

if (!(await waitReady())) {
  console.error("start: the Worker did not become ready");
  stop("SIGTERM");
} else {
  // Pools the example DAGs use (examples/pools.json: name → { slots }); resizing one that exists is harmless.
  const pools = JSON.parse(readFileSync(join(root, "examples", "pools.json"), "utf8"));
  for (const [name, body] of Object.entries(pools)) {
    const res = await fetch(`${base}/api/pools/${name}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) console.error(`start: creating pool ${name} failed: ${await res.text()}`);
  }
  const dir = join(root, "examples", "dags");
  const registered = [];
  // DAGs triggered by another DAG are registered after the DAGs they name.
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const upstreamOf = (f) => JSON.parse(readFileSync(join(dir, f), "utf8")).triggers?.some((t) => t.type === "dag") ?? false;
  for (const file of [...files.filter((f) => !upstreamOf(f)), ...files.filter(upstreamOf)]) {
    const dagId = file.replace(/\.json$/, "");
    const body = readFileSync(join(dir, file), "utf8").replaceAll("${SWITCHYARD_URL}", base);
    const res = await fetch(`${base}/api/dags/${dagId}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    const out = await res.json();
    if (res.ok) registered.push(`${dagId} (v${out.version})`);
    else console.error(`start: registering ${dagId} failed: ${JSON.stringify(out)}`);
  }
  console.log(`
Switchyard is running at ${base}   (open it in a browser for the UI)
  API token: ${token}   (from .dev.vars)
  Example DAGs: ${registered.join(", ")}

  Try:
    curl -s -X POST -H "Authorization: Bearer ${token}" ${base}/api/dags/flaky_http/runs
    curl -s -H "Authorization: Bearer ${token}" ${base}/api/runs/<runId>
    curl -s "${base}/__scheduled?cron=*+*+*+*+*"          # fire the minute cron tick now
    curl -s -H "Authorization: Bearer ${token}" ${base}/api/dags/daily_etl/runs
`);
}
