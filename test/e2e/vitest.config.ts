import { defineConfig } from "vitest/config";

/** `npm run test:e2e`: the UI in headless Chromium against a Switchyard started like `npm start`. */
export default defineConfig({
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
