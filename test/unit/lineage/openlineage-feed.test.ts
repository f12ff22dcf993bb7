import { describe, expect, it } from "vitest";
import type { DagSpec } from "../../../src/dag/spec";
import { taskResultUri } from "../../../src/lineage/dataset-uri";
import { dagRunUuid, taskRunUuid } from "../../../src/lineage/openlineage-ids";
import {
  attemptKey,
  decodeFeedCursor,
  encodeFeedCursor,
  endEventType,
  feedEvents,
  type FeedAttempt,
  type FeedDetails,
  type FeedPoint,
  type FeedRun,
} from "../../../src/lineage/openlineage-feed";
import { analyseSql } from "../../../src/lineage/sql-lineage";
import { nodeSqlParser } from "./node-parser";
import { openLineageErrors } from "./openlineage-schemas";

const config = { namespace: "switchyard", producer: "https://switchyard.test/" };
const RUN = "0123456789abcdef0123456789abcdef";
const CHILD = "fedcba9876543210fedcba9876543210";
const SQL = "INSERT INTO orders_enriched (order_id, total_amount) SELECT o.order_id, SUM(li.amount) FROM orders o JOIN line_items li ON li.order_id = o.order_id GROUP BY o.order_id";
const spec: DagSpec = { tasks: { enrich: { type: "sql", sql: SQL }, child: { type: "dag", dagId: "kid" } } };
const recorded = analyseSql([SQL], nodeSqlParser, { resultDataset: taskResultUri("etl", "enrich") }).lineage;

function details(): FeedDetails {
  const runs = new Map<string, FeedRun>([
    [RUN, { runId: RUN, dagId: "etl", dagVersion: 1, logicalDate: "2026-12-01T00:00:00.000Z", triggerType: "cron", triggerJson: null }],
    [CHILD, { runId: CHILD, dagId: "kid", dagVersion: 1, logicalDate: null, triggerType: "dag", triggerJson: JSON.stringify({ type: "dag", detail: { parentRunId: RUN, parentDagId: "etl", taskId: "child" } }) }],
  ]);
  const attempt = (taskKey: string, n: number, status: string, errorJson: string | null = null): FeedAttempt => ({ runId: RUN, taskKey, attempt: n, taskId: taskKey, status, startedAt: 1_000, endedAt: 2_000, errorJson });
  const attempts = new Map([
    [attemptKey(RUN, "enrich", 1), attempt("enrich", 1, "failed", JSON.stringify({ message: "SQL failed: disk I/O", code: "sql" }))],
    [attemptKey(RUN, "enrich", 2), attempt("enrich", 2, "success")],
    [attemptKey(RUN, "child", 1), attempt("child", 1, "abandoned")],
    [attemptKey(RUN, "child", 2), attempt("child", 2, "success")],
  ]);
  return {
    runs,
    attempts,
    specs: new Map([[`etl\n1`, spec]]),
    staticLineage: new Map([[`etl\n1\nenrich`, { ...recorded, complete: false, needsColumns: ["orders"] }]]),
    recorded: new Map([[attemptKey(RUN, "enrich", 2), { lineage: recorded, columns: { "d1://orders": ["order_id", "user_id"] } }]]),
  };
}

const point = (kind: FeedPoint["kind"], at: number, taskKey: string | null = null, attempt: number | null = null, status: string | null = null, runId = RUN): FeedPoint => ({
  kind,
  at,
  key: `${kind}:${runId}:${taskKey}:${attempt}`,
  runId,
  taskKey,
  attempt,
  status,
});

describe("the OpenLineage feed, derived from the catalog's runs and attempts", () => {
  const points = [
    point("run_start", 1_000),
    point("attempt_start", 1_001, "enrich", 1),
    point("attempt_end", 1_002, "enrich", 1),
    point("attempt_start", 1_003, "enrich", 2),
    point("attempt_end", 1_004, "enrich", 2),
    point("attempt_end", 1_005, "child", 1),
    point("run_start", 1_006, null, null, null, CHILD),
    point("run_end", 1_007, null, null, "cancelled", CHILD),
    point("run_end", 1_008, null, null, "success"),
  ];
  const events = feedEvents(config, points, details());

  it("one event per point, each valid against the vendored 2-0-2 spec and its facets' schemas", () => {
    expect(events).toHaveLength(points.length);
    for (const { event } of events) expect(openLineageErrors(event)).toEqual([]);
    expect(events.map((e) => `${e.event.job.name} ${e.event.eventType}`)).toEqual([
      "etl START",
      "etl.enrich START",
      "etl.enrich FAIL",
      "etl.enrich START",
      "etl.enrich COMPLETE",
      "etl.child ABORT",
      "kid START",
      "kid ABORT",
      "etl COMPLETE",
    ]);
  });

  it("an attempt's events share its run id; a FAIL carries the attempt's error; the nominal time is the logical date", () => {
    const [, start1, fail1, start2, complete2] = events.map((e) => e.event);
    expect(start1?.run.runId).toBe(taskRunUuid(RUN, "enrich", 1));
    expect(fail1?.run.runId).toBe(start1?.run.runId);
    expect(start2?.run.runId).not.toBe(start1?.run.runId);
    expect(fail1?.run.facets.errorMessage).toMatchObject({ message: "SQL failed: disk I/O" });
    expect(complete2?.run.facets.nominalTime).toMatchObject({ nominalStartTime: "2026-12-01T00:00:00.000Z" });
    expect(complete2?.run.facets.parent).toMatchObject({ run: { runId: dagRunUuid(RUN) }, job: { name: "etl" } });
    expect(complete2?.job.facets.sql).toMatchObject({ query: SQL, dialect: "sqlite" });
  });

  it("COMPLETE carries what the attempt recorded (schema from PRAGMA, column lineage); START the version's static lineage", () => {
    const start = events[3]?.event;
    const complete = events[4]?.event;
    expect(start?.inputs.map((d) => d.name).sort()).toEqual(["line_items", "orders"]);
    expect(start?.inputs.every((d) => d.facets?.schema === undefined)).toBe(true);
    const orders = complete?.inputs.find((d) => d.name === "orders");
    expect(orders?.facets?.schema).toMatchObject({ fields: [{ name: "order_id" }, { name: "user_id" }] });
    const out = complete?.outputs.find((d) => d.name === "orders_enriched");
    expect(out?.facets?.columnLineage).toMatchObject({ fields: { total_amount: { transformationType: "AGGREGATION" } } });
  });

  it("a child DAG run's parent is the dag task's latest attempt of its parent run, and its root that run", () => {
    const kid = events[6]?.event;
    expect(kid?.run.facets.parent).toMatchObject({
      run: { runId: taskRunUuid(RUN, "child", 2) },
      job: { namespace: "switchyard", name: "etl.child" },
      root: { run: { runId: dagRunUuid(RUN) }, job: { name: "etl" } },
    });
  });

  it("points whose run or attempt the catalog lacks are skipped", () => {
    expect(feedEvents(config, [point("run_start", 1, null, null, null, "f".repeat(32)), point("attempt_end", 2, "nope", 1)], details())).toEqual([]);
  });

  it("status → event type: success COMPLETE, cancelled and abandoned ABORT, failed FAIL", () => {
    expect(["success", "cancelled", "abandoned", "failed"].map(endEventType)).toEqual(["COMPLETE", "ABORT", "ABORT", "FAIL"]);
  });

  it("a cursor names its point and nothing else decodes as one", () => {
    const cursor = encodeFeedCursor({ at: 1_733_011_200_000, key: "2abc:enrich:000001" });
    expect(decodeFeedCursor(cursor)).toEqual({ at: 1_733_011_200_000, key: "2abc:enrich:000001" });
    expect(events[0]?.cursor).toBe(encodeFeedCursor(points[0] as FeedPoint));
    expect(decodeFeedCursor("nope")).toBeNull();
    expect(decodeFeedCursor(btoa("x:1"))).toBeNull();
  });
});
