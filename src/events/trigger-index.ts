import { canonicalDatasetUri } from "../lineage/dataset-uri";
import type { TriggerSpec } from "./trigger-spec";

/** One row of the trigger index: what an event must name to reach this DAG's trigger. */
export interface TriggerIndexRow {
  dagId: string;
  position: number;
  item: number;
  type: TriggerSpec["type"];
  key: string;
  version: number;
  configJson: string;
  createdAt: number;
}

/**
 * The index rows of a DAG version's triggers: an R2 trigger by its bucket, a DAG trigger by its
 * upstream DAG, a datasets trigger once per dataset (canonical URI), a webhook by the DAG itself.
 */
export function triggerIndexRows(dagId: string, version: number, triggers: readonly TriggerSpec[], now: number): TriggerIndexRow[] {
  return triggers.flatMap((t, position): TriggerIndexRow[] => {
    const base = { dagId, position, version, configJson: JSON.stringify(t), createdAt: now };
    switch (t.type) {
      case "r2":
        return [{ ...base, item: 0, type: t.type, key: t.bucket }];
      case "dag":
        return [{ ...base, item: 0, type: t.type, key: t.dagId }];
      case "webhook":
        return [{ ...base, item: 0, type: t.type, key: dagId }];
      case "datasets":
        return [...new Set(t.datasets.map(canonicalDatasetUri))].map((uri, item) => ({ ...base, item, type: t.type, key: uri }));
    }
  });
}
