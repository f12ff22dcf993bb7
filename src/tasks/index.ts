import type { TaskType } from "../dag/spec";
import type { WorkOrder } from "../run/work-order";
import type { AttemptOutcome } from "../run/types";
import { TaskFailure, toTaskError } from "./errors";
import type { Executor } from "./executor";
import { executeHttp } from "./http";
import { executeSql } from "./sql";

/** Executors of the task types that run on a worker (control types run in the coordinator). */
const EXECUTORS: Partial<Record<TaskType, Executor>> = {
  http: executeHttp,
  sql: executeSql,
};

/** Runs one attempt with its timeout; never throws: failures become outcomes. */
export async function runAttempt(order: WorkOrder, env: Env): Promise<AttemptOutcome> {
  const ref = { taskKey: order.taskKey, attempt: order.attempt };
  const startedAt = Date.now();
  const executor = EXECUTORS[order.task.type];
  if (!executor) {
    return { ...ref, ok: false, startedAt, endedAt: Date.now(), error: { message: `no executor for '${order.task.type}'`, code: "config" } };
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TaskFailure(`timed out after ${order.timeoutMs / 1_000} s`, "timeout"));
    }, order.timeoutMs);
  });
  try {
    const output = await Promise.race([executor(order, { env, signal: controller.signal }), timeout]);
    return { ...ref, ok: true, output: output === undefined ? null : output, startedAt, endedAt: Date.now() };
  } catch (err) {
    return { ...ref, ok: false, error: toTaskError(err), startedAt, endedAt: Date.now() };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
