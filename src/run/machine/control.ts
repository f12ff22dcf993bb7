import type { Plan, PlannedTask } from "../../dag/plan";
import type { TaskError, TaskInstance } from "../types";
import { succeed } from "./completion";
import { failAttempt } from "./failure";
import { evaluate } from "./scope";
import { attemptRecord } from "./task-instance";
import { planned, type Tx } from "./tx";

/** Control tasks (`empty`, `branch`) need no worker: they finish in the transition that readies them. */
export function runControlTask(tx: Tx, t: TaskInstance, p: PlannedTask): void {
  const { ctx, fx } = tx;
  t.via = "inline";
  t.attemptStartedAt = ctx.now;
  if (t.startedAt === undefined) t.startedAt = ctx.now;
  if (p.spec.type === "branch") {
    const chosen = evaluate(tx, p, "branch", p.spec.expression);
    const followed = chosen.ok ? branchTargets(p, tx.plan, chosen.value) : chosen;
    if (!followed.ok) {
      t.error = followed.error;
      fx.changes.attempts.push(attemptRecord(t, "failed", ctx.now));
      failAttempt(tx, t, ctx.now);
      return;
    }
    t.output = { followed: followed.value };
  } else {
    t.output = null;
  }
  delete t.error;
  fx.changes.attempts.push(attemptRecord({ ...t, status: "success" }, "success", ctx.now));
  succeed(tx, t, ctx.now);
}

/** The downstream task ids a branch's value names (one id, a list, or null for none); anything else is an error. */
function branchTargets(
  p: PlannedTask,
  plan: Plan,
  value: unknown,
): { ok: true; value: string[] } | { ok: false; error: TaskError } {
  const ids = value === null ? [] : Array.isArray(value) ? value : [value];
  const downstream = new Set(p.downstream.map((i) => planned(plan, i).id));
  for (const id of ids) {
    if (typeof id !== "string" || !downstream.has(id)) {
      return {
        ok: false,
        error: {
          message: `branch: ${JSON.stringify(id)} is not a downstream task of '${p.id}' (one of: ${[...downstream].join(", ")})`,
          code: "branch",
          retryable: false,
        },
      };
    }
  }
  return { ok: true, value: ids as string[] };
}
