import { describe, expect, it } from "vitest";
import { api, registerDag, taskOf, trigger, waitForRun } from "./helpers";

describe("a run driven through the real queue consumer", () => {
  it("runs sql and empty tasks to success, a later sql task reading what an earlier one created", async () => {
    await registerDag("etl", {
      tasks: {
        create: { type: "sql", sql: "CREATE TABLE IF NOT EXISTS orders_raw (n INTEGER); DELETE FROM orders_raw;" },
        load: { type: "sql", dependsOn: ["create"], sql: "INSERT INTO orders_raw (n) VALUES (1), (2), (3)" },
        read: { type: "sql", dependsOn: ["load"], sql: "SELECT sum(n) AS total FROM orders_raw" },
        done: { type: "empty", dependsOn: ["read"] },
      },
    });
    const { runId, status } = await trigger("etl");
    expect(status).toBe("running");
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "read").output).toEqual([{ total: 6 }]);
    expect(run.tasks.map((t: any) => t.status)).toEqual(["success", "success", "success", "success"]);
  });
});
