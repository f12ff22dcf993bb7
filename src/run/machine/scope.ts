import type { Plan, PlannedTask } from "../../dag/plan";
import { evaluateExpression, type ExpressionScope } from "../../expr/expression";
import type { RunState, TaskError, TaskInstance } from "../types";
import type { Tx } from "./tx";
import { planned } from "./tx";

/**
 * What expressions read as `trigger`: `{ type, ...detail }`. One object per run's trigger (the
 * trigger never changes), so the expression layer converts it once, however many tasks read it.
 */
const triggerScopes = new WeakMap<object, Record<string, unknown>>();
function triggerScope(t: RunState["run"]["trigger"]): Record<string, unknown> {
  let scope = triggerScopes.get(t);
  if (!scope) {
    scope = { ...t.detail, type: t.type };
    triggerScopes.set(t, scope);
  }
  return scope;
}

/** The expression scope of a task: params, run facts, its upstream outputs, and its map item. */
export function scopeFor(
  state: RunState,
  plan: Plan,
  p: PlannedTask,
  instance?: TaskInstance,
  resolve: (output: unknown) => unknown = (o) => o,
): ExpressionScope {
  const tasks: Record<string, { output: unknown }> = {};
  // A fallback task sees what its primary would have seen.
  const ids = p.fallbackFor === undefined ? p.upstream : planned(plan, p.fallbackFor).upstream;
  for (const i of ids) {
    const up = planned(plan, i);
    tasks[up.id] = { output: resolve(state.tasks.get(up.id)?.output ?? null) };
  }
  const scope: ExpressionScope = {
    params: state.run.params,
    runId: state.run.runId,
    logicalDate: state.run.logicalDate ?? null,
    dataIntervalStart: state.run.dataIntervalStart ?? null,
    dataIntervalEnd: state.run.dataIntervalEnd ?? null,
    ds: state.run.ds ?? null,
    trigger: triggerScope(state.run.trigger),
    tasks,
  };
  if (instance && instance.mapIndex !== null) {
    scope.item = instance.item ?? null;
    scope.mapIndex = instance.mapIndex;
  }
  return scope;
}

export type Evaluated = { ok: true; value: unknown } | { ok: false; error: TaskError };

/** Evaluates one of a task's expressions (`when`, `branch`, `map.over`); a failure names which. */
export function evaluate(tx: Tx, p: PlannedTask, what: string, expression: string): Evaluated {
  try {
    return { ok: true, value: evaluateExpression(expression, scopeFor(tx.state, tx.plan, p, undefined, tx.ctx.resolve)) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // The expression is fixed per DAG version and the outputs it read are final: retrying cannot help.
    return { ok: false, error: { message: `${what}: ${message}`, code: "expression", retryable: false } };
  }
}
