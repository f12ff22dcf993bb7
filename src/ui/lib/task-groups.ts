/**
 * A run's tasks as the run page lists them: each top-level task once, its mapped instances folded
 * into counts by state (`success 998, failed 2`) and kept for the drill-down. Pure.
 */

export interface RunTaskInput {
  taskId: string;
  mapIndex: number | null;
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  output: unknown;
  error: unknown;
  mapped?: { total: number; done: number; failed: number; active: number };
  fallbackUsed?: boolean;
  childRunId?: string;
}

export interface TaskGroup<T extends RunTaskInput = RunTaskInput> {
  task: T;
  instances: T[];
  /** Instances by state, most common first. */
  counts: Array<{ status: string; n: number }>;
  /** `n/m` instances ended, for a mapped task. */
  progress?: string;
}

export function groupTasks<T extends RunTaskInput>(tasks: readonly T[]): Array<TaskGroup<T>> {
  const groups = new Map<string, TaskGroup<T>>();
  const order: string[] = [];
  for (const t of tasks) {
    if (t.mapIndex === null) {
      groups.set(t.taskId, { task: t, instances: [], counts: [] });
      order.push(t.taskId);
    }
  }
  for (const t of tasks) if (t.mapIndex !== null) groups.get(t.taskId)?.instances.push(t);
  for (const g of groups.values()) {
    const counts = new Map<string, number>();
    for (const i of g.instances) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
    g.counts = [...counts].map(([status, n]) => ({ status, n })).sort((a, b) => b.n - a.n || a.status.localeCompare(b.status));
    if (g.task.mapped) g.progress = `${g.task.mapped.done}/${g.task.mapped.total}`;
  }
  return order.map((id) => groups.get(id)).filter((g): g is TaskGroup<T> => g !== undefined);
}
