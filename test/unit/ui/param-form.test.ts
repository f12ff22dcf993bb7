import { describe, expect, it } from "vitest";
import type { ParamsSpec } from "../../../src/dag/params";
import { issuesByField, paramFields, readParams } from "../../../src/ui/lib/param-form";

const spec: ParamsSpec = {
  region: { type: "string", enum: ["eu", "us"], default: "eu" },
  volume: { type: "integer", minimum: 1, maximum: 100, default: 10 },
  ratio: { type: "number" },
  full: { type: "boolean", default: true },
  day: { type: "date", required: true },
  ids: { type: "array", items: "integer", default: [1, 2] },
  size: { type: "number", enum: [1, 2.5] },
  note: { type: "string", description: "free text" },
};

describe("paramFields", () => {
  const fields = paramFields(spec);
  const f = Object.fromEntries(fields.map((x) => [x.name, x]));

  it("picks a control per param: enums as selects, booleans as checkboxes, numbers, dates, JSON", () => {
    expect(fields.map((x) => [x.name, x.control])).toEqual([
      ["region", "select"],
      ["volume", "number"],
      ["ratio", "number"],
      ["full", "checkbox"],
      ["day", "date"],
      ["ids", "json"],
      ["size", "select"],
      ["note", "text"],
    ]);
  });

  it("fills defaults and carries bounds, steps and hints", () => {
    expect(f.region?.initial).toBe("eu");
    expect(f.volume).toMatchObject({ initial: "10", min: 1, max: 100, step: "1", required: false });
    expect(f.ratio?.step).toBe("any");
    expect(f.full?.initial).toBe(true);
    expect(f.ids?.initial).toBe("[1,2]");
    expect(f.day).toMatchObject({ required: true, initial: "" });
    expect(f.size?.initial).toBe("");
    expect(f.volume?.hint).toBe("integer · ≥ 1 · ≤ 100 · default 10");
    expect(f.note?.description).toBe("free text");
    expect(paramFields(undefined)).toEqual([]);
  });

  it("reads the form back as typed params, leaving empty optional fields to the API's defaults", () => {
    const out = readParams(fields, { region: "us", volume: "500", ratio: "", full: false, day: "2026-12-01", ids: "[3]", size: "2.5", note: " hi " });
    expect(out.issues).toEqual([]);
    // 500 is out of range: ranges are the API's to judge (its issue comes back to the field).
    expect(out.params).toEqual({ region: "us", volume: 500, full: false, day: "2026-12-01", ids: [3], size: 2.5, note: "hi" });
  });

  it("enforces types: integers, numbers, JSON arrays, required fields", () => {
    const out = readParams(fields, { volume: "1.5", ratio: "abc", ids: "{}", day: "" });
    expect(out.issues).toEqual([
      { field: "volume", message: "must be an integer" },
      { field: "ratio", message: "must be a number" },
      { field: "day", message: "is required" },
      { field: "ids", message: "must be a JSON array" },
    ]);
    expect(readParams(fields, { day: "2026-01-01", ids: "[" }).issues).toEqual([{ field: "ids", message: "is not valid JSON" }]);
  });
});

describe("issuesByField", () => {
  it("puts the API's issues next to their field by path; others go above the form", () => {
    const fields = paramFields(spec);
    const out = issuesByField(
      [
        { path: "params.volume", message: "must be ≤ 100" },
        { path: "params.ids[1]", message: "must be an integer, got 'x'" },
        { path: "params.bogus", message: "unknown param 'bogus'" },
        { path: "runKey", message: "too long" },
      ],
      fields,
    );
    expect(out.byField).toEqual({ volume: ["must be ≤ 100"], ids: ["[1]: must be an integer, got 'x'"] });
    expect(out.other).toEqual(["params.bogus: unknown param 'bogus'", "runKey: too long"]);
  });
});
