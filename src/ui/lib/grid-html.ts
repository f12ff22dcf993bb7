import { formatDuration, type GridModel } from "./grid-model";
import { escapeHtml } from "./html";
import { stateClass } from "./states";

/**
 * The runs grid as one HTML string. A 1,000-task DAG with 25 runs is 25,000 cells: built as a
 * string (and only the rows on screen) it renders in a fraction of the time a virtual DOM takes to
 * create and diff the same elements (measured in the e2e timing report). Clicks are delegated:
 * every cell carries `data-run` and `data-task`, every run bar `data-run`. Pure.
 */
/** Height of a grid row in px (styles.css keeps rows at exactly this height, so rows can be windowed). */
export const GRID_ROW_PX = 22;

/** The rows of `model` that a scroll box of `viewportPx` shows at `scrollTop`, with some overscan. */
export function visibleRows(rowCount: number, scrollTop: number, viewportPx: number, overscan = 10): { from: number; to: number } {
  const from = Math.max(0, Math.floor(scrollTop / GRID_ROW_PX) - overscan);
  const to = Math.min(rowCount, Math.ceil((scrollTop + viewportPx) / GRID_ROW_PX) + overscan);
  return { from, to: Math.max(from, to) };
}

/**
 * `window`: only rows [from, to) are drawn, spacer rows keep the scroll height of the rest (a
 * 1,000-task DAG draws the 40 rows on screen, not 25,000 cells).
 */
export function gridHtml(
  model: GridModel,
  selected?: { runId: string; taskId?: string },
  window: { from: number; to: number } = { from: 0, to: model.rows.length },
): string {
  const out: string[] = [];
  out.push('<table class="runs-grid" aria-label="Runs grid: tasks by run"><thead><tr><th scope="col" class="grid-corner">Task \\ run</th>');
  for (const c of model.columns) {
    const label = escapeHtml(c.label);
    const run = escapeHtml(c.runId);
    out.push(
      `<th scope="col"${selected?.runId === c.runId ? ' class="sel"' : ""}><button type="button" class="run-bar-btn" data-run="${run}" title="${label}" aria-label="Select ${label}">` +
        `<span class="run-bar ${stateClass(c.status)}" style="height:${Math.round(c.bar * 48)}px"></span></button>` +
        `<span class="sr">${c.durationMs === null ? "" : formatDuration(c.durationMs)}</span></th>`,
    );
  }
  out.push("</tr></thead><tbody>");
  const spacer = (rows: number) =>
    rows > 0 ? `<tr class="spacer" aria-hidden="true"><td colspan="${model.columns.length + 1}" style="height:${rows * GRID_ROW_PX}px"></td></tr>` : "";
  out.push(spacer(window.from));
  for (const r of model.rows.slice(window.from, window.to)) {
    const task = escapeHtml(r.taskId);
    out.push(`<tr><th scope="row" class="task-name" title="${task}">${task}</th>`);
    for (const cell of r.cells) {
      const current = selected?.runId === cell.runId && selected.taskId === cell.taskId ? " current" : "";
      const text = escapeHtml(cell.text);
      out.push(
        `<td${selected?.runId === cell.runId ? ' class="sel"' : ""}><button type="button" class="cell ${stateClass(cell.status)}${current}" aria-label="${text}" data-state="${escapeHtml(cell.status)}" data-task="${task}" data-run="${escapeHtml(cell.runId)}"></button></td>`,
      );
    }
    out.push("</tr>");
  }
  out.push(spacer(model.rows.length - window.to));
  out.push("</tbody></table>");
  return out.join("");
}
