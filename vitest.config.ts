import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { buildUi } from "./scripts/build-ui.mjs";

const migrationsDir = resolve("migrations");

// wrangler.toml serves the UI's built assets; the directory must exist before the pool reads it.
await buildUi({ quiet: true });

export default defineConfig({
  test: {
    projects: [
      {
        // The pure core: plain Node, no runtime, milliseconds per file.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        // Adapters and end-to-end flows inside workerd, with real DO, D1, Queues and R2 bindings.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                API_TOKEN: "test-token",
                // Webhook triggers name a Worker secret; /api/dev/* is on as under npm start.
                HOOK_SECRET: "test-hook-secret",
                DEV_TOOLS: "on",
                // Short leases so recovery paths run within a test's time.
                DISPATCH_LEASE_MS: "1000",
                LEASE_MARGIN_MS: "300",
                // Heartbeats fast, so a lost worker is noticed within a test (and live ones keep their lease).
                HEARTBEAT_MS: "200",
                HEARTBEAT_TIMEOUT_MS: "1000",
                OUTBOX_RETRY_MS: "100",
                // Small, so the tests exercise outputs held in R2.
                OUTPUT_INLINE_LIMIT: "4096",
                PUBLIC_URL: "https://switchyard.test",
                TEST_MIGRATIONS: await readD1Migrations(migrationsDir),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/setup.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
