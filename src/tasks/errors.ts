import type { TaskError } from "../run/types";

/** A failed attempt with a machine-readable code (`http_status`, `timeout`, `sql`, …). */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "TaskFailure";
  }
}

export function toTaskError(err: unknown): TaskError {
  if (err instanceof TaskFailure) return { message: err.message, code: err.code };
  if (err instanceof Error) return { message: err.message || err.name, code: "error" };
  return { message: String(err), code: "error" };
}
