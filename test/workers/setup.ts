import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Idempotent: applies only migrations not yet applied to this test's catalog.
await applyD1Migrations(env.CATALOG, env.TEST_MIGRATIONS);
