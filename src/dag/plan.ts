import { expressionTaskRefs } from "../expr/expression";
import { referencedTasks } from "../expr/template";
import { CONTROL_TASK_TYPES, type AlertTarget, type DagSpec, type TaskSpec, type TriggerRule, type Backoff } from "./spec";

/** A retry policy with every default filled in. */
export interface ResolvedRetry {
  limit: number;
  delayMs: number;
  backoff: Backoff;
  maxDelayMs: number;
  jitter: boolean;
}

/** One task of a compiled DAG: indices instead of ids, defaults filled. */
export interface PlannedTask {
  id: string;
  index: number;
  spec: TaskSpec;
  /** Runs inside the coordinator (no queue hop). */
  control: boolean;
  upstream: number[];
  downstream: number[];
  triggerRule: TriggerRule;
  retry: ResolvedRetry;
  timeoutMs: number;
  /** Index of the task that runs in this one's place when it fails for good (`fallback.task`). */
  fallbackTask?: number;
  /** Set on a fallback task: the index of the task it stands in for (it never runs on its own). */
  fallbackFor?: number;
  /** Upstream task ids whose outputs the task's templates read (only these travel with a work order). */
  reads: string[];
  /**
   * Upstream task ids whose outputs the task's expressions read (`when`, `branch.expression`,
   * `map.over`): the coordinator evaluates those, so only these outputs are loaded from R2 there.
   */
  exprReads: string[];
  /** The pool the task's attempts hold while they run (`pool`, `poolSlots`, `priorityWeight` with defaults). */
  pool?: PoolUse;
}

/** How a task uses a pool shared across runs. */
export interface PoolUse {
  name: string;
  slots: number;
  priority: number;
}

/** Defaults of `poolSlots` and `priorityWeight`. */
export const DEFAULT_POOL_SLOTS = 1;
export const DEFAULT_PRIORITY_WEIGHT = 1;

export interface Plan {
  tasks: PlannedTask[];
  byId: Map<string, PlannedTask>;
  /** Tasks with no upstream: where a run starts. */
  roots: number[];
  /** DAG-level failure alert. */
  onFailure?: AlertTarget;
  /** Run concurrency: attempts queued or running on workers at once (see `DagSpec.maxActiveTasks`). */
  maxActiveTasks?: number;
  /** Some task uses a pool: only then does a transition look for pool leases to take or give back. */
  pooled: boolean;
}

export const DEFAULT_RETRY: ResolvedRetry = {
  limit: 0,
  delayMs: 1_000,
  backoff: "exponential",
  maxDelayMs: 3_600_000,
  jitter: true,
};

/** Attempts without `timeoutSeconds` get this bound: inside the queue consumer's wall-time limit. */
export const DEFAULT_TIMEOUT_MS = 300_000;

/** The tasks a task's own expressions (evaluated by the coordinator) read. */
function expressionReads(task: TaskSpec): string[] {
  const sources = [task.when, task.map?.over, task.type === "branch" ? task.expression : undefined];
  const ids = new Set<string>();
  for (const source of sources) if (source !== undefined) for (const id of expressionTaskRefs(source)) ids.add(id);
  return [...ids].sort();
}

function resolveRetry(task: TaskSpec): ResolvedRetry {
  const r = task.retries ?? {};
  return {
    limit: r.limit ?? DEFAULT_RETRY.limit,
    delayMs: r.delaySeconds === undefined ? DEFAULT_RETRY.delayMs : r.delaySeconds * 1_000,
    backoff: r.backoff ?? DEFAULT_RETRY.backoff,
    maxDelayMs: r.maxDelaySeconds === undefined ? DEFAULT_RETRY.maxDelayMs : r.maxDelaySeconds * 1_000,
    jitter: r.jitter ?? DEFAULT_RETRY.jitter,
  };
}

/**
 * Compiles a validated spec into a plan: tasks in topological order with
 * numeric up/downstream links. Assumes `validateDagSpec` accepted the spec.
 */
export function compileDag(spec: DagSpec): Plan {
  const ids = Object.keys(spec.tasks);
  const indeg = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const id of ids) {
    indeg.set(id, 0);
    children.set(id, []);
  }
  for (const id of ids) {
    for (const dep of spec.tasks[id]?.dependsOn ?? []) {
      indeg.set(id, (indeg.get(id) ?? 0) + 1);
      children.get(dep)?.push(id);
    }
  }
  // Kahn's algorithm, keeping declaration order among ready tasks (stable plans).
  const order: string[] = [];
  const ready = ids.filter((id) => indeg.get(id) === 0);
  for (let head = 0; head < ready.length; head++) {
    const id = ready[head]!;
    order.push(id);
    for (const child of children.get(id) ?? []) {
      const n = (indeg.get(child) ?? 0) - 1;
      indeg.set(child, n);
      if (n === 0) ready.push(child);
    }
  }
  if (order.length !== ids.length) throw new Error("compileDag: spec has a cycle (validate it first)");

  const byId = new Map<string, PlannedTask>();
  const tasks: PlannedTask[] = order.map((id, index) => {
    const spec_ = spec.tasks[id]!;
    const planned: PlannedTask = {
      id,
      index,
      spec: spec_,
      control: CONTROL_TASK_TYPES.has(spec_.type),
      upstream: [],
      downstream: [],
      triggerRule: spec_.triggerRule ?? "all_success",
      retry: resolveRetry(spec_),
      timeoutMs: spec_.timeoutSeconds === undefined ? DEFAULT_TIMEOUT_MS : spec_.timeoutSeconds * 1_000,
      reads: referencedTasks(spec_),
      exprReads: expressionReads(spec_),
    };
    if (spec_.pool !== undefined) {
      planned.pool = {
        name: spec_.pool,
        slots: spec_.poolSlots ?? DEFAULT_POOL_SLOTS,
        priority: spec_.priorityWeight ?? DEFAULT_PRIORITY_WEIGHT,
      };
    }
    byId.set(id, planned);
    return planned;
  });
  for (const t of tasks) {
    for (const dep of t.spec.dependsOn ?? []) {
      const up = byId.get(dep)!;
      t.upstream.push(up.index);
      up.downstream.push(t.index);
    }
  }
  for (const t of tasks) {
    const fb = t.spec.fallback;
    if (fb && "task" in fb) {
      const alt = byId.get(fb.task);
      if (alt) {
        t.fallbackTask = alt.index;
        alt.fallbackFor = t.index;
      }
    }
  }
  const plan: Plan = {
    tasks,
    byId,
    roots: tasks.filter((t) => t.upstream.length === 0 && t.fallbackFor === undefined).map((t) => t.index),
    pooled: tasks.some((t) => t.pool !== undefined),
  };
  if (spec.onFailure) plan.onFailure = spec.onFailure;
  if (spec.maxActiveTasks !== undefined) plan.maxActiveTasks = spec.maxActiveTasks;
  return plan;
}
