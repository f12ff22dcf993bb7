import { visit } from "jsonc-parser";
import { checkExpression, expressionTaskRefs } from "../expr/expression";
import { sqlTemplateIssues, taskReferences, templateIssues } from "../expr/template";
import { functionNames } from "../functions/registry";
import { zodIssues, type SpecIssue } from "../lib/issues";
import { paramsSpecIssues } from "./params";
import { schedulingIssues } from "../scheduling/dag-schedule";
import { CONTROL_TASK_TYPES, DagSpecSchema, type DagSpec, type TaskSpec } from "./spec";

/** A valid spec, or every problem found with it. */
export type ValidationResult = { ok: true; spec: DagSpec } | { ok: false; issues: SpecIssue[] };

/**
 * Finds task ids that appear twice in the raw JSON text of a spec. JSON.parse
 * silently keeps the last duplicate key, which would drop a task without a word.
 */
export function findDuplicateTaskIds(rawJson: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  // Depth 1 = top-level object; the `tasks` object's keys sit at depth 2.
  let depth = 0;
  let inTasks = false;
  let tasksDepth = -1;
  let lastTopKey: string | undefined;
  visit(rawJson, {
    onObjectBegin: () => {
      depth += 1;
      if (depth === 2 && lastTopKey === "tasks") {
        inTasks = true;
        tasksDepth = depth;
      }
    },
    onObjectEnd: () => {
      if (inTasks && depth === tasksDepth) inTasks = false;
      depth -= 1;
    },
    onObjectProperty: (property) => {
      if (depth === 1) lastTopKey = property;
      if (inTasks && depth === tasksDepth) {
        if (seen.has(property)) issues.push({ path: `tasks.${property}`, message: `duplicate task id '${property}'` });
        seen.add(property);
      }
    },
  });
  return issues;
}

/** Returns one cycle as a list of task ids that starts and ends with the same id, or undefined. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  for (const id of deps.keys()) color.set(id, WHITE);
  const stack: string[] = [];

  // Iterative DFS so a 10,000-task chain does not overflow the stack.
  for (const root of deps.keys()) {
    if (color.get(root) !== WHITE) continue;
    const frames: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    color.set(root, GREY);
    stack.push(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const edges = deps.get(frame.id) ?? [];
      if (frame.next < edges.length) {
        const child = edges[frame.next]!;
        frame.next += 1;
        const c = color.get(child);
        if (c === GREY) {
          const start = stack.indexOf(child);
          return [...stack.slice(start), child];
        }
        if (c === WHITE) {
          color.set(child, GREY);
          stack.push(child);
          frames.push({ id: child, next: 0 });
        }
      } else {
        color.set(frame.id, BLACK);
        stack.pop();
        frames.pop();
      }
    }
  }
  return undefined;
}

/**
 * Validates a DAG spec: shape (zod), then the graph: unknown and self
 * dependencies, dependencies listed twice, duplicate task ids and cycles.
 * Pass the raw request text when there is one so duplicate keys are caught.
 */
export function validateDagSpec(input: unknown, rawJson?: string): ValidationResult {
  const issues: SpecIssue[] = rawJson === undefined ? [] : findDuplicateTaskIds(rawJson);
  // zod's record parsing cannot keep a `__proto__` key (assignment makes it a prototype): refuse it by name.
  const rawTasks = (input as { tasks?: unknown } | null)?.tasks;
  if (rawTasks !== null && typeof rawTasks === "object" && Object.hasOwn(rawTasks, "__proto__")) {
    issues.push({ path: "tasks.__proto__", message: "'__proto__' is reserved" });
  }
  const parsed = DagSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: [...issues, ...zodIssues(parsed.error)] };
  if (issues.length > 0) return { ok: false, issues };
  const spec = parsed.data;

  const deps = new Map<string, string[]>();
  for (const [id, task] of Object.entries(spec.tasks)) {
    const seen = new Set<string>();
    const valid: string[] = [];
    (task.dependsOn ?? []).forEach((dep, i) => {
      const path = `tasks.${id}.dependsOn[${i}]`;
      if (dep === id) issues.push({ path, message: `task '${id}' cannot depend on itself` });
      else if (!Object.hasOwn(spec.tasks, dep)) issues.push({ path, message: `unknown task '${dep}'` });
      else if (seen.has(dep)) issues.push({ path, message: `'${dep}' is listed twice` });
      else valid.push(dep);
      seen.add(dep);
    });
    deps.set(id, valid);
  }

  // Report a cycle only on an otherwise sound graph: it names real tasks then.
  if (issues.length === 0) {
    const cycle = findCycle(deps);
    if (cycle) {
      // The search walks dependency edges; print the cycle in flow order (upstream → downstream).
      const flow = [...cycle].reverse();
      const first = flow[0]!;
      issues.push({ path: `tasks.${first}.dependsOn`, message: `cycle: ${flow.join(" → ")}` });
    }
  }
  if (issues.length === 0) issues.push(...flowIssues(spec));
  issues.push(...schedulingIssues(spec));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, spec };
}

/** Expressions and templates of one task, with the path each lives at. */
function expressionsOf(id: string, task: TaskSpec): Array<{ path: string; source: string }> {
  const out: Array<{ path: string; source: string }> = [];
  if (task.when !== undefined) out.push({ path: `tasks.${id}.when`, source: task.when });
  if (task.map !== undefined) out.push({ path: `tasks.${id}.map.over`, source: task.map.over });
  if (task.type === "branch") out.push({ path: `tasks.${id}.expression`, source: task.expression });
  return out;
}

function templatedFields(id: string, task: TaskSpec): Array<{ path: string; value: unknown }> {
  switch (task.type) {
    case "http":
      return [{ path: `tasks.${id}.request`, value: task.request }];
    case "function":
      return [{ path: `tasks.${id}.args`, value: task.args }];
    case "dag":
      return [{ path: `tasks.${id}.params`, value: task.params }];
    case "sql":
      return [{ path: `tasks.${id}.sql`, value: task.sql }];
    default:
      return [];
  }
}

/**
 * Checks of the flow-control features on a sound graph: expression and
 * template syntax, templates read only upstream tasks, known functions,
 * fallback tasks wired correctly, param declarations consistent.
 */
function flowIssues(spec: DagSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (spec.params) issues.push(...paramsSpecIssues(spec.params));
  const functions = new Set(functionNames());
  const fallbackOf = new Map<string, string>();
  const dependedOn = new Set(Object.values(spec.tasks).flatMap((t) => t.dependsOn ?? []));

  for (const [id, task] of Object.entries(spec.tasks)) {
    const fb = task.fallback;
    if (fb && "task" in fb) {
      const path = `tasks.${id}.fallback.task`;
      const alt = spec.tasks[fb.task];
      if (fb.task === id) issues.push({ path, message: `task '${id}' cannot be its own fallback` });
      else if (!Object.hasOwn(spec.tasks, fb.task) || !alt) issues.push({ path, message: `unknown task '${fb.task}'` });
      else if (fallbackOf.has(fb.task)) issues.push({ path, message: `'${fb.task}' is already the fallback of '${fallbackOf.get(fb.task)}'` });
      else if ((alt.dependsOn ?? []).length > 0) issues.push({ path, message: `fallback task '${fb.task}' cannot have dependsOn: it runs in place of '${id}' and sees its upstream` });
      else if (dependedOn.has(fb.task)) issues.push({ path, message: `fallback task '${fb.task}' cannot be an upstream of other tasks: depend on '${id}' instead` });
      else if (task.map !== undefined || alt.map !== undefined) issues.push({ path, message: "a mapped task takes a fallback value, not a fallback task" });
      else fallbackOf.set(fb.task, id);
    }
  }

  for (const [id, task] of Object.entries(spec.tasks)) {
    // What the task may read: its upstream, or for a fallback task its primary's upstream.
    const primary = fallbackOf.get(id);
    const visible = new Set((primary === undefined ? task.dependsOn : spec.tasks[primary]?.dependsOn) ?? []);
    const reads = new Map<string, string>();
    for (const { path, source } of expressionsOf(id, task)) {
      const problem = checkExpression(source);
      if (problem) issues.push({ path, message: problem });
      else for (const ref of expressionTaskRefs(source)) reads.set(ref, path);
    }
    for (const { path, value } of templatedFields(id, task)) {
      if (value === undefined) continue;
      if (task.type === "sql") {
        const texts = Array.isArray(value) ? (value as string[]) : [value as string];
        texts.forEach((text, i) => issues.push(...sqlTemplateIssues(text, Array.isArray(value) ? `${path}[${i}]` : path)));
      } else {
        issues.push(...templateIssues(value, path));
      }
      for (const ref of taskReferences(value, path)) if (!reads.has(ref.taskId)) reads.set(ref.taskId, ref.path);
    }
    for (const [ref, path] of reads) {
      if (!visible.has(ref)) {
        issues.push({ path, message: `reads tasks.${ref}, which is not an upstream task of '${id}' (add it to dependsOn)` });
      }
    }
    issues.push(...poolIssues(id, task));
    if (task.type === "function" && !functions.has(task.function)) {
      issues.push({
        path: `tasks.${id}.function`,
        message: `unknown function '${task.function}' (registered: ${[...functions].sort().join(", ")})`,
      });
    }
  }
  return issues;
}

/** `pool` needs a task that runs on a worker; `poolSlots` needs a `pool`. */
function poolIssues(id: string, task: TaskSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (task.pool !== undefined && CONTROL_TASK_TYPES.has(task.type)) {
    issues.push({ path: `tasks.${id}.pool`, message: `a ${task.type} task runs inside the coordinator and takes no pool slot` });
  }
  if (task.poolSlots !== undefined && task.pool === undefined) {
    issues.push({ path: `tasks.${id}.poolSlots`, message: "poolSlots needs a pool" });
  }
  return issues;
}
