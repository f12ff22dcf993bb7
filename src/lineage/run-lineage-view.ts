/**
 * A run's lineage as the API shows it, pure: each successful attempt with what it read, what it
 * wrote (with the rows it changed, where D1 reported them) and its column edges; and the run's
 * datasets read and written overall.
 */
import type { Lineage } from "./model";

export interface RunLineageInput {
  attempts: Array<{ taskKey: string; attempt: number; taskId: string; dagId: string; lineage: Lineage; columns: Record<string, string[]>; recordedAt: number }>;
  datasets: Array<{ taskKey: string; attempt: number; role: string; dataset: string; rows: number | null }>;
}

export function runLineageView(runId: string, input: RunLineageInput) {
  const rowsOf = new Map(input.datasets.filter((d) => d.role === "output").map((d) => [`${d.taskKey}\n${d.attempt}\n${d.dataset}`, d.rows]));
  const read = new Set<string>();
  const written = new Set<string>();
  const tasks = input.attempts.map((a) => {
    for (const d of a.lineage.inputs) read.add(d);
    for (const d of a.lineage.outputs) written.add(d);
    return {
      taskId: a.taskId,
      taskKey: a.taskKey,
      attempt: a.attempt,
      recordedAt: new Date(a.recordedAt).toISOString(),
      inputs: a.lineage.inputs,
      outputs: a.lineage.outputs.map((dataset) => ({ dataset, rowsChanged: rowsOf.get(`${a.taskKey}\n${a.attempt}\n${dataset}`) ?? null })),
      edges: a.lineage.edges,
      complete: a.lineage.complete,
      reasons: a.lineage.reasons,
      columns: a.columns,
    };
  });
  return { runId, datasets: { read: [...read], written: [...written] }, tasks };
}
