/**
 * OpenLineage RunEvents (spec 2-0-2), built as plain data: one job per DAG
 * (`job.name` = the DAG id) and one per task (`<dagId>.<taskId>`), whose runs
 * are the DAG run and each task attempt. START, COMPLETE, FAIL, and ABORT for
 * a cancel. Facets: `parent` (a task attempt's DAG run, and the root run for
 * child DAGs), `nominalTime` (the logical date / data interval), `sql`,
 * `jobType`, `errorMessage` on FAIL; datasets carry `schema` where the columns
 * are known and outputs `columnLineage` (ColumnLineageDatasetFacet 1-2-0:
 * per-field `inputFields` with their transformations, and the dataset-level
 * `dataset` list for what decided the rows), plus the deprecated per-field
 * `transformationDescription` / `transformationType`, the only ones Marquez
 * stores. Pure: times and ids come in.
 */
import { openLineageDatasetName } from "./dataset-uri";
import type { ColumnEdge, Lineage } from "./model";
import { ROWS } from "./model";
import { dagRunUuid, taskRunUuid } from "./openlineage-ids";

const SPEC = "https://openlineage.io/spec";
export const RUN_EVENT_SCHEMA_URL = `${SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent`;
export const FACET_SCHEMA_URLS = {
  parent: `${SPEC}/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet`,
  nominalTime: `${SPEC}/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet`,
  errorMessage: `${SPEC}/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet`,
  sql: `${SPEC}/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet`,
  jobType: `${SPEC}/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet`,
  schema: `${SPEC}/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet`,
  columnLineage: `${SPEC}/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet`,
} as const;

export type RunEventType = "START" | "COMPLETE" | "FAIL" | "ABORT";

export interface OpenLineageConfig {
  /** `job.namespace` (`OPENLINEAGE_NAMESPACE`). */
  namespace: string;
  /** The `producer` URI of every event and `_producer` of every facet (e.g. the deployment's public URL). */
  producer: string;
  /** The namespace of `DB`'s tables is `d1://<d1Database>` (default `DB`). */
  d1Database?: string;
}

/** What a DAG run's schedule says it covers. */
export interface NominalTime {
  logicalDate?: string | null;
  dataInterval?: { start: string; end: string } | null;
}

/** A column of a dataset, for the `schema` facet. */
export interface SchemaField {
  name: string;
  type?: string;
}

export interface DagRunEventInput extends NominalTime {
  eventType: RunEventType;
  eventTime: string;
  runId: string;
  dagId: string;
  /** A child DAG run: the task attempt that started it, and the root run of the tree. */
  parent?: { runId: string; dagId: string; taskKey: string; taskId: string; attempt: number } | null;
  root?: { runId: string; dagId: string } | null;
  error?: string | null;
}

export interface TaskRunEventInput extends NominalTime {
  eventType: RunEventType;
  eventTime: string;
  runId: string;
  dagId: string;
  taskId: string;
  /** `taskId`, or `taskId[i]` for a mapped instance. */
  taskKey: string;
  attempt: number;
  /** The task's SQL (its statements), for the `sql` job facet. */
  sql?: string | null;
  /** The datasets and column edges (derived or declared). */
  lineage?: Lineage | null;
  /** Known columns of datasets, for their `schema` facets. */
  schemas?: Record<string, SchemaField[]>;
  /** The root of a tree of DAG runs, when this DAG run is a child. */
  root?: { runId: string; dagId: string } | null;
  error?: string | null;
}

/** A facet: any fields plus the two every facet carries. */
export type Facet = { _producer: string; _schemaURL: string } & Record<string, unknown>;

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
}

export interface RunEvent {
  eventType: RunEventType;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Facet> };
  job: { namespace: string; name: string; facets: Record<string, Facet> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/** The job name of a task. */
export function taskJobName(dagId: string, taskId: string): string {
  return `${dagId}.${taskId}`;
}

/** A DAG run's event. */
export function dagRunEvent(config: OpenLineageConfig, input: DagRunEventInput): RunEvent {
  const facet = facetMaker(config);
  const runFacets: Record<string, Facet> = {};
  if (input.parent) {
    const root = input.root ?? { runId: input.parent.runId, dagId: input.parent.dagId };
    runFacets.parent = facet("parent", {
      run: { runId: taskRunUuid(input.parent.runId, input.parent.taskKey, input.parent.attempt) },
      job: { namespace: config.namespace, name: taskJobName(input.parent.dagId, input.parent.taskId) },
      root: { run: { runId: dagRunUuid(root.runId) }, job: { namespace: config.namespace, name: root.dagId } },
    });
  }
  addCommonRunFacets(runFacets, input, facet);
  return {
    eventType: input.eventType,
    eventTime: input.eventTime,
    producer: config.producer,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId: dagRunUuid(input.runId), facets: runFacets },
    job: {
      namespace: config.namespace,
      name: input.dagId,
      facets: { jobType: facet("jobType", { processingType: "BATCH", integration: "SWITCHYARD", jobType: "DAG" }) },
    },
    inputs: [],
    outputs: [],
  };
}

/** A task attempt's event: its DAG run as parent, its SQL, its datasets and column lineage. */
export function taskRunEvent(config: OpenLineageConfig, input: TaskRunEventInput): RunEvent {
  const facet = facetMaker(config);
  const root = input.root ?? { runId: input.runId, dagId: input.dagId };
  const runFacets: Record<string, Facet> = {
    parent: facet("parent", {
      run: { runId: dagRunUuid(input.runId) },
      job: { namespace: config.namespace, name: input.dagId },
      root: { run: { runId: dagRunUuid(root.runId) }, job: { namespace: config.namespace, name: root.dagId } },
    }),
  };
  addCommonRunFacets(runFacets, input, facet);
  const jobFacets: Record<string, Facet> = {
    jobType: facet("jobType", { processingType: "BATCH", integration: "SWITCHYARD", jobType: "TASK" }),
  };
  if (input.sql) jobFacets.sql = facet("sql", { query: input.sql, dialect: "sqlite" });
  const lineage = input.lineage;
  const d1Database = config.d1Database ?? "DB";
  const dataset = (uri: string, facets: Record<string, Facet>): OpenLineageDataset => {
    const fields = input.schemas?.[uri];
    if (fields !== undefined) facets.schema = facet("schema", { fields: fields.map((f) => (f.type ? { name: f.name, type: f.type } : { name: f.name })) });
    return { ...openLineageDatasetName(uri, d1Database), ...(Object.keys(facets).length > 0 ? { facets } : {}) };
  };
  const outputs = (lineage?.outputs ?? []).map((uri) => {
    const edges = lineage?.edges.filter((e) => e.to.dataset === uri) ?? [];
    const facets: Record<string, Facet> = {};
    if (edges.length > 0) facets.columnLineage = facet("columnLineage", columnLineageFields(edges, d1Database));
    return dataset(uri, facets);
  });
  return {
    eventType: input.eventType,
    eventTime: input.eventTime,
    producer: config.producer,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId: taskRunUuid(input.runId, input.taskKey, input.attempt), facets: runFacets },
    job: { namespace: config.namespace, name: taskJobName(input.dagId, input.taskId), facets: jobFacets },
    inputs: (lineage?.inputs ?? []).map((uri) => dataset(uri, {})),
    outputs,
  };
}

interface InputField {
  namespace: string;
  name: string;
  field: string;
  transformations: Array<{ type: string; subtype: string }>;
}

/**
 * The `columnLineage` facet's body for one output dataset: each column's
 * input fields (several kinds from one input column merge into one entry),
 * and the edges into the dataset's rows (`*`) as the dataset-level list.
 */
export function columnLineageFields(edges: ColumnEdge[], d1Database: string): { fields: Record<string, unknown>; dataset?: InputField[] } {
  const byColumn = new Map<string, Map<string, InputField>>();
  for (const edge of edges) {
    let inputs = byColumn.get(edge.to.column);
    if (inputs === undefined) byColumn.set(edge.to.column, (inputs = new Map()));
    const key = `${edge.from.dataset}#${edge.from.column}`;
    let input = inputs.get(key);
    if (input === undefined) {
      input = { ...openLineageDatasetName(edge.from.dataset, d1Database), field: edge.from.column, transformations: [] };
      inputs.set(key, input);
    }
    if (!input.transformations.some((t) => t.type === edge.type && t.subtype === edge.subtype)) {
      input.transformations.push({ type: edge.type, subtype: edge.subtype });
    }
  }
  const fields: Record<string, unknown> = {};
  let dataset: InputField[] | undefined;
  for (const [column, inputs] of byColumn) {
    const inputFields = [...inputs.values()];
    if (column === ROWS) {
      dataset = inputFields;
      continue;
    }
    const kinds = inputFields.flatMap((f) => f.transformations);
    fields[column] = {
      inputFields,
      transformationDescription: kinds.map((t) => `${t.type}/${t.subtype}`).filter((k, i, all) => all.indexOf(k) === i).join(", "),
      transformationType: deprecatedType(kinds),
    };
  }
  return dataset === undefined ? { fields } : { fields, dataset };
}

/** The deprecated single word: IDENTITY only when every value is copied, else the strongest direct kind. */
function deprecatedType(kinds: Array<{ type: string; subtype: string }>): string {
  const direct = kinds.filter((k) => k.type === "DIRECT").map((k) => k.subtype);
  if (direct.includes("AGGREGATION")) return "AGGREGATION";
  if (direct.includes("TRANSFORMATION")) return "TRANSFORMATION";
  if (direct.length > 0) return "IDENTITY";
  return "INDIRECT";
}

function addCommonRunFacets(facets: Record<string, Facet>, input: NominalTime & { eventType: RunEventType; error?: string | null }, facet: FacetMaker): void {
  const start = input.dataInterval?.start ?? input.logicalDate ?? null;
  if (start !== null) {
    facets.nominalTime = facet("nominalTime", input.dataInterval ? { nominalStartTime: start, nominalEndTime: input.dataInterval.end } : { nominalStartTime: start });
  }
  if (input.eventType === "FAIL" && input.error) {
    facets.errorMessage = facet("errorMessage", { message: input.error, programmingLanguage: "TypeScript" });
  }
}

type FacetMaker = (kind: keyof typeof FACET_SCHEMA_URLS, body: Record<string, unknown>) => Facet;

function facetMaker(config: OpenLineageConfig): FacetMaker {
  return (kind, body) => ({ _producer: config.producer, _schemaURL: FACET_SCHEMA_URLS[kind], ...body });
}
