import type { z } from "zod";

/**
 * Problems located by a path, the shape every validation in Switchyard
 * reports (DAG specs, run params, templates, HTTP bodies, function args).
 * Its own module so `dag/`, `expr/`, `tasks/` and `api/` share it without
 * importing each other.
 */

/** One problem, located by a path such as `tasks.load.dependsOn[0]`. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** Renders a zod/JSON path as `tasks.load.dependsOn[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Turns zod issues into path/message pairs (unions report the branch that matched the `type`). */
export function zodIssues(error: z.ZodError): SpecIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
