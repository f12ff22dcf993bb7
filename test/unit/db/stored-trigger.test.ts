import { describe, expect, it } from "vitest";
import { storedTrigger } from "../../../src/db/catalog";

describe("storedTrigger", () => {
  it("reads the stored trigger JSON, detail included", () => {
    const detail = { parentRunId: "p", parentDagId: "parent", taskId: "t" };
    expect(storedTrigger({ triggerType: "dag", triggerJson: JSON.stringify({ type: "dag", detail }) })).toEqual({ type: "dag", detail });
    expect(storedTrigger({ triggerType: "api", triggerJson: '{"type":"api"}' })).toEqual({ type: "api" });
  });

  it("falls back to the type column when the JSON is missing, unreadable or not a trigger", () => {
    expect(storedTrigger({ triggerType: "cron", triggerJson: null })).toEqual({ type: "cron" });
    expect(storedTrigger({ triggerType: "api", triggerJson: "{not json" })).toEqual({ type: "api" });
    expect(storedTrigger({ triggerType: "api", triggerJson: '{"type":"nonsense"}' })).toEqual({ type: "api" });
  });
});
