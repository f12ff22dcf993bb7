import { describe, expect, it } from "vitest";
import { taskResultUri } from "../../../src/lineage/dataset-uri";
import {
  dagRunEvent,
  FACET_SCHEMA_URLS,
  RUN_EVENT_SCHEMA_URL,
  taskRunEvent,
  type OpenLineageConfig,
  type RunEvent,
} from "../../../src/lineage/openlineage";
import { dagRunUuid, taskRunUuid } from "../../../src/lineage/openlineage-ids";
import { lineageOf } from "./sql-helpers";
import { openLineageErrors } from "./openlineage-schemas";

const config: OpenLineageConfig = { namespace: "switchyard-prod", producer: "https://switchyard.test/" };
const RUN = "0123456789abcdef0123456789abcdef";
const ENRICH_SQL =
  "INSERT INTO orders_enriched (order_id, user_name, total_amount) SELECT s.order_id, s.full_name, SUM(li.amount) FROM stg_orders s JOIN line_items li ON li.order_id = s.order_id GROUP BY s.order_id, s.full_name";

function enrichEvent(eventType: RunEvent["eventType"], extra: Partial<Parameters<typeof taskRunEvent>[1]> = {}): RunEvent {
  return taskRunEvent(config, {
    eventType,
    eventTime: "2026-12-01T03:00:05.000Z",
    runId: RUN,
    dagId: "orders_etl",
    taskId: "enrich",
    taskKey: "enrich",
    attempt: 1,
    logicalDate: "2026-11-30T00:00:00.000Z",
    dataInterval: { start: "2026-11-30T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
    sql: ENRICH_SQL,
    lineage: lineageOf(ENRICH_SQL),
    schemas: { "d1://line_items": [{ name: "order_id", type: "INTEGER" }, { name: "amount", type: "REAL" }] },
    ...extra,
  });
}

describe("OpenLineage events", () => {
  it("a task attempt's COMPLETE: job, parent run, nominal time, sql, datasets with schema and column lineage", () => {
    const event = enrichEvent("COMPLETE");
    expect(openLineageErrors(event)).toEqual([]);
    expect(event.schemaURL).toBe(RUN_EVENT_SCHEMA_URL);
    expect(event.job).toMatchObject({ namespace: "switchyard-prod", name: "orders_etl.enrich" });
    expect(event.job.facets.sql).toMatchObject({ query: ENRICH_SQL, dialect: "sqlite" });
    expect(event.run.runId).toBe(taskRunUuid(RUN, "enrich", 1));
    expect(event.run.facets.parent).toMatchObject({
      run: { runId: "01234567-89ab-cdef-0123-456789abcdef" },
      job: { namespace: "switchyard-prod", name: "orders_etl" },
    });
    expect(event.run.facets.nominalTime).toMatchObject({
      nominalStartTime: "2026-11-30T00:00:00.000Z",
      nominalEndTime: "2026-12-01T00:00:00.000Z",
    });
    expect(event.inputs.map((d) => `${d.namespace} ${d.name}`)).toEqual(["d1://DB stg_orders", "d1://DB line_items"]);
    expect(event.inputs[1]?.facets?.schema).toMatchObject({ fields: [{ name: "order_id", type: "INTEGER" }, { name: "amount", type: "REAL" }] });
    const output = event.outputs[0];
    expect(output).toMatchObject({ namespace: "d1://DB", name: "orders_enriched" });
    const lineage = output?.facets?.columnLineage as unknown as { _schemaURL: string; fields: Record<string, unknown>; dataset: unknown };
    expect(lineage._schemaURL).toBe(FACET_SCHEMA_URLS.columnLineage);
    expect(lineage.fields.total_amount).toEqual({
      inputFields: [
        { namespace: "d1://DB", name: "line_items", field: "amount", transformations: [{ type: "DIRECT", subtype: "AGGREGATION" }] },
      ],
      transformationDescription: "DIRECT/AGGREGATION",
      transformationType: "AGGREGATION",
    });
    expect(lineage.fields.user_name).toMatchObject({ transformationType: "IDENTITY" });
    // What decided the rows: join keys and grouping, in the dataset-level list.
    expect(lineage.dataset).toEqual(
      expect.arrayContaining([
        { namespace: "d1://DB", name: "line_items", field: "order_id", transformations: [{ type: "INDIRECT", subtype: "JOIN" }] },
        {
          namespace: "d1://DB",
          name: "stg_orders",
          field: "order_id",
          transformations: [
            { type: "INDIRECT", subtype: "JOIN" },
            { type: "INDIRECT", subtype: "GROUP_BY" },
          ],
        },
      ]),
    );
  });

  it("every facet carries _producer and _schemaURL", () => {
    const event = enrichEvent("COMPLETE");
    const facets = [
      ...Object.values(event.run.facets),
      ...Object.values(event.job.facets),
      ...[...event.inputs, ...event.outputs].flatMap((d) => Object.values(d.facets ?? {})),
    ];
    expect(facets.length).toBeGreaterThan(5);
    for (const facet of facets) {
      expect(facet._producer).toBe("https://switchyard.test/");
      expect(facet._schemaURL).toMatch(/^https:\/\/openlineage\.io\/spec\/facets\/\d+-\d+-\d+\/\w+\.json#\/\$defs\/\w+$/);
    }
  });

  it("START, FAIL (with its error message) and ABORT of one attempt share its run id and are valid", () => {
    const start = enrichEvent("START", { lineage: null });
    const fail = enrichEvent("FAIL", { error: "SQL failed: no such table: stg_orders" });
    const abort = enrichEvent("ABORT");
    for (const event of [start, fail, abort]) expect(openLineageErrors(event)).toEqual([]);
    expect(new Set([start.run.runId, fail.run.runId, abort.run.runId]).size).toBe(1);
    expect(fail.run.facets.errorMessage).toMatchObject({ message: "SQL failed: no such table: stg_orders", programmingLanguage: "TypeScript" });
    expect(start.run.facets.errorMessage).toBeUndefined();
    expect(enrichEvent("START", { attempt: 2 }).run.runId).not.toBe(start.run.runId);
  });

  it("a SELECT task's result dataset, and a task with no SQL and no schedule", () => {
    const select = taskRunEvent(config, {
      eventType: "COMPLETE",
      eventTime: "2026-12-01T03:00:05.000Z",
      runId: RUN,
      dagId: "orders_etl",
      taskId: "report",
      taskKey: "report",
      attempt: 1,
      lineage: lineageOf("SELECT region, COUNT(*) AS n FROM orders GROUP BY region"),
    });
    expect(openLineageErrors(select)).toEqual([]);
    expect(select.outputs[0]).toMatchObject({ namespace: "task", name: "etl.report" });
    expect(select.run.facets.nominalTime).toBeUndefined();
    const fn = taskRunEvent(config, {
      eventType: "START",
      eventTime: "2026-12-01T03:00:00.000Z",
      runId: RUN,
      dagId: "orders_etl",
      taskId: "fetch",
      taskKey: "fetch[3]",
      attempt: 1,
    });
    expect(openLineageErrors(fn)).toEqual([]);
    expect(fn.job.facets.sql).toBeUndefined();
    expect(taskResultUri("etl", "report")).toBe("task://etl.report");
  });

  it("a DAG run's events, and a child DAG run's parent (the task attempt) and root", () => {
    for (const eventType of ["START", "COMPLETE", "FAIL", "ABORT"] as const) {
      const event = dagRunEvent(config, { eventType, eventTime: "2026-12-01T03:00:00.000Z", runId: RUN, dagId: "orders_etl", logicalDate: "2026-11-30T00:00:00.000Z", error: "task enrich failed" });
      expect(openLineageErrors(event)).toEqual([]);
      expect(event.run.runId).toBe(dagRunUuid(RUN));
      expect(event.job.name).toBe("orders_etl");
      expect(event.run.facets.nominalTime).toMatchObject({ nominalStartTime: "2026-11-30T00:00:00.000Z" });
    }
    const child = dagRunEvent(config, {
      eventType: "START",
      eventTime: "2026-12-01T03:00:00.000Z",
      runId: "fedcba9876543210fedcba9876543210",
      dagId: "nightly_child",
      parent: { runId: RUN, dagId: "nightly_parent", taskId: "run_child", taskKey: "run_child", attempt: 2 },
    });
    expect(openLineageErrors(child)).toEqual([]);
    expect(child.run.facets.parent).toMatchObject({
      run: { runId: taskRunUuid(RUN, "run_child", 2) },
      job: { name: "nightly_parent.run_child" },
      root: { run: { runId: dagRunUuid(RUN) }, job: { name: "nightly_parent" } },
    });
  });

  it("the validator catches an invalid event (so a passing test means something)", () => {
    const event = enrichEvent("COMPLETE");
    const broken = { ...event, run: { ...event.run, runId: "not-a-uuid" } } as RunEvent;
    expect(openLineageErrors(broken).length).toBeGreaterThan(0);
    const badFacet = structuredClone(event);
    (badFacet.outputs[0]?.facets?.columnLineage as unknown as { fields: Record<string, unknown> }).fields.total_amount = { inputFields: [{ field: "amount" }] };
    expect(openLineageErrors(badFacet).some((e) => e.includes("columnLineage"))).toBe(true);
  });
});
