import { defineConfig } from "drizzle-kit";

// drizzle-kit 0.31.x writes flat migrations/NNNN_name.sql files, which
// `wrangler d1 migrations apply` and readD1Migrations() both read.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
