import { TASK_STATUSES } from "../../run/types";

/**
 * One palette for every state, wherever it is drawn (graph nodes, grid cells, Gantt bars, the
 * DAG list's squares): a state's CSS class is `st-<state>` and styles.css gives each class its
 * colour once. Every mark also carries its state as text (a label, a title, an aria-label),
 * so colour is never the only signal.
 */

/**
 * Run, task and attempt states the UI draws (the task statuses include every run status; `abandoned`
 * is an attempt's), plus `none` for a task with no instance yet.
 */
export const UI_STATES = ["none", ...TASK_STATUSES, "abandoned"] as const;
export type UiState = (typeof UI_STATES)[number];

const KNOWN = new Set<string>(UI_STATES);

/** A state as the UI knows it; anything unexpected is drawn as `none` rather than unstyled. */
export function uiState(status: string | null | undefined): UiState {
  return status !== null && status !== undefined && KNOWN.has(status) ? (status as UiState) : "none";
}

/** The CSS class that colours a state. */
export function stateClass(status: string | null | undefined): string {
  return `st-${uiState(status)}`;
}

/** A state as words: `up_for_retry` → "up for retry"; no instance → "no status". */
export function stateLabel(status: string | null | undefined): string {
  const s = uiState(status);
  return s === "none" ? "no status" : s.replaceAll("_", " ");
}

/** States that end a run or task: polling can stop once a run is in one of them. */
export function isFinalRunStatus(status: string): boolean {
  return status === "success" || status === "failed" || status === "cancelled";
}
