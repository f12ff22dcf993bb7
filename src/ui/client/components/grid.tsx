import { useEffect, useRef, useState } from "hono/jsx/dom";
import { GRID_ROW_PX, gridHtml, visibleRows } from "../../lib/grid-html";
import type { GridModel } from "../../lib/grid-model";

const VIEWPORT_PX = 560;

/**
 * The runs grid (HTML built by `gridHtml`, only the rows in view): runs as columns, oldest left,
 * with a duration bar on top; tasks as rows. A cell selects that task instance, a run bar that
 * run (clicks delegated); the hovered or focused cell is described under the grid.
 */
export function RunsGrid(props: {
  model: GridModel;
  selected?: { runId: string; taskId?: string };
  onSelectCell: (runId: string, taskId: string) => void;
  onSelectRun: (runId: string) => void;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  const [hover, setHover] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const refocus = useRef<string | null>(null);
  const win = visibleRows(props.model.rows.length, scrollTop, VIEWPORT_PX);

  // Redrawing replaces the cells: give focus back to the one that had it.
  useEffect(() => {
    const sel = refocus.current;
    if (sel === null) return;
    refocus.current = null;
    box.current?.querySelector<HTMLElement>(sel)?.focus();
  });

  const describe = (e: Event) => {
    const label = (e.target as Element).closest("button")?.getAttribute("aria-label");
    if (label) setHover(label);
  };
  const onClick = (e: Event) => {
    const button = (e.target as Element).closest("button");
    const run = button?.getAttribute("data-run");
    if (!button || !run) return;
    const task = button.getAttribute("data-task");
    refocus.current = task ? `button.cell[data-run="${CSS.escape(run)}"][data-task="${CSS.escape(task)}"]` : `button[data-run="${CSS.escape(run)}"]:not([data-task])`;
    if (task) props.onSelectCell(run, task);
    else props.onSelectRun(run);
  };
  return (
    <>
      <div
        ref={box}
        class="grid-scroll"
        style={`max-height:${VIEWPORT_PX + 64}px`}
        onClick={onClick}
        onMouseOver={describe}
        onFocusIn={describe}
        onScroll={(e: Event) => {
          const top = (e.currentTarget as HTMLElement).scrollTop;
          // Redraw only when the window moves by a few rows.
          if (Math.abs(top - scrollTop) >= GRID_ROW_PX * 4) setScrollTop(top);
        }}
        dangerouslySetInnerHTML={{ __html: gridHtml(props.model, props.selected, win) }}
      ></div>
      <p class="grid-hover muted small" aria-hidden="true">
        {hover || "Hover or focus a cell to see its task, run and state."}
      </p>
    </>
  );
}
