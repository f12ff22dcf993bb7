import type { HttpTaskSpec, TaskSpec } from "../dag/spec";
import type { ExpressionScope } from "../expr/expression";
import { renderTemplate } from "../expr/template";
import { artifactKey, inlineLimit, offloadOutput, resolveOutput } from "../lib/artifacts";
import type { AttemptOutcome } from "../run/types";
import type { WorkOrder } from "../run/work-order";
import { ChildRunStarted, executeDag } from "./dag";
import { specFailure, TaskFailure, toTaskError } from "./errors";
import { runExecutor, type Executors, type RunStarter } from "./executor";
import { FUNCTIONS } from "../functions/registry";
import { recordAttemptLineage, type LineageSink } from "../lineage/record-attempt";
import { hasLineage } from "../lineage/task-lineage";
import { createFunctionExecutor } from "./function";
import { executeHttp } from "./http";
import { executeSql } from "./sql";
import { TimeoutWatch } from "./timeouts";

/** Executors of the task types that run on a worker (control types run in the coordinator). */
const EXECUTORS: Executors = {
  http: executeHttp,
  sql: executeSql,
  function: createFunctionExecutor(FUNCTIONS),
  dag: executeDag,
};

/** A task type with no executor reached a worker (control types run in the coordinator): a fault of the spec. */
function noExecutor(type: string): TaskFailure {
  return specFailure(`no executor for '${type}'`, "config");
}

/** Loads R2-held outputs the templates may read, so large outputs pass to downstream tasks transparently. */
async function resolveScope(env: Env, scope: ExpressionScope): Promise<ExpressionScope> {
  const entries = Object.entries(scope.tasks);
  if (entries.length === 0 && scope.item === undefined) return scope;
  const tasks: ExpressionScope["tasks"] = {};
  await Promise.all(
    entries.map(async ([id, v]) => {
      tasks[id] = { output: await resolveOutput(env.ARTIFACTS, v.output) };
    }),
  );
  const resolved: ExpressionScope = { ...scope, tasks };
  if (scope.item !== undefined) resolved.item = await resolveOutput(env.ARTIFACTS, scope.item);
  return resolved;
}

/** Renders a task's templated fields (sql renders its own, as bound parameters). */
function renderTask(task: TaskSpec, scope: ExpressionScope): TaskSpec {
  switch (task.type) {
    case "http":
      return { ...task, request: renderTemplate(task.request, scope) as HttpTaskSpec["request"] };
    case "function":
      return task.args === undefined ? task : { ...task, args: renderTemplate(task.args, scope) };
    case "dag":
      return task.params === undefined ? task : { ...task, params: renderTemplate(task.params, scope) as Record<string, unknown> };
    default:
      return task;
  }
}

/**
 * Runs one attempt with its timeout (watched by the invocation's `timeouts`);
 * never throws: failures become outcomes.
 */
export async function runAttempt(
  order: WorkOrder,
  env: Env,
  timeouts: TimeoutWatch = new TimeoutWatch(),
  runs?: RunStarter,
  /** Aborted when the run no longer wants this attempt (its heartbeat was answered "not yours"). */
  stop?: AbortSignal,
): Promise<AttemptOutcome> {
  const ref = { taskKey: order.taskKey, attempt: order.attempt, claim: order.claim };
  const startedAt = Date.now();
  if (EXECUTORS[order.task.type] === undefined) {
    return { ...ref, ok: false, startedAt, endedAt: Date.now(), error: toTaskError(noExecutor(order.task.type)) };
  }
  const controller = new AbortController();
  const sink: LineageSink = {};
  let expire: (reason: Error) => void = () => undefined;
  const timeout = new Promise<never>((_, reject) => (expire = reject));
  const release = timeouts.add(startedAt + order.timeoutMs, () => {
    controller.abort();
    expire(new TaskFailure(`timed out after ${order.timeoutMs / 1_000} s`, "timeout"));
  });
  const onStop = (): void => {
    controller.abort();
    expire(new TaskFailure("stopped: the run no longer wants this attempt (cancelled, cleared or lost)", "stopped"));
  };
  if (stop?.aborted) onStop();
  else stop?.addEventListener("abort", onStop, { once: true });
  try {
    const work = (async () => {
      const scope = await resolveScope(env, order.scope);
      let task: TaskSpec;
      try {
        task = renderTask(order.task, scope);
      } catch (err) {
        // Rendering is deterministic on the attempt's inputs: a retry would fail the same way.
        throw specFailure(`template: ${err instanceof Error ? err.message : String(err)}`, "template");
      }
      const ctx = { env, signal: controller.signal, lineage: sink, ...(runs ? { runs } : {}) };
      return runExecutor(EXECUTORS, task.type, { ...order, task, scope }, ctx) ?? Promise.reject(noExecutor(task.type));
    })();
    const output = await Promise.race([work, timeout]);
    if (output instanceof ChildRunStarted) {
      return { ...ref, ok: true, output: { runId: output.runId }, childRunId: output.runId, waiting: output.wait, startedAt, endedAt: Date.now() };
    }
    // Outside the timeout's race: the work is done, recording its lineage must not turn it into a failure.
    if (hasLineage(order.task)) await recordAttemptLineage(env, order, sink);
    const stored = await offloadOutput(
      env.ARTIFACTS,
      inlineLimit(env),
      artifactKey(order.runId, order.taskKey, order.attempt),
      output === undefined ? null : output,
    );
    return { ...ref, ok: true, output: stored, startedAt, endedAt: Date.now() };
  } catch (err) {
    return { ...ref, ok: false, error: toTaskError(err), startedAt, endedAt: Date.now() };
  } finally {
    release();
    stop?.removeEventListener("abort", onStop);
  }
}
