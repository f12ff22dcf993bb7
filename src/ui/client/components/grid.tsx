import type { GridModel } from "../../lib/grid-model";
import { formatDuration } from "../../lib/grid-model";
import { stateClass, stateLabel } from "../../lib/states";

/**
 * The runs grid: runs as columns (oldest left) with a duration bar on top, tasks as rows; a cell
 * is a button that selects that task instance. States are text in each cell's name and tooltip.
 */
export function RunsGrid(props: {
  model: GridModel;
  selected?: { runId: string; taskId?: string };
  onSelectCell: (runId: string, taskId: string) => void;
  onSelectRun: (runId: string) => void;
}) {
  const { model, selected } = props;
  return (
    <div class="grid-scroll">
      <table class="runs-grid" aria-label="Runs grid: tasks by run">
        <thead>
          <tr>
            <th scope="col" class="grid-corner">
              Task \ run
            </th>
            {model.columns.map((c) => (
              <th scope="col" class={selected?.runId === c.runId ? "sel" : ""}>
                <button
                  type="button"
                  class={`run-bar-btn`}
                  title={c.label}
                  aria-label={`Select ${c.label}`}
                  onClick={() => props.onSelectRun(c.runId)}
                >
                  <span class={`run-bar ${stateClass(c.status)}`} style={`height:${Math.round(c.bar * 48)}px`}></span>
                </button>
                <span class="sr">{c.durationMs === null ? "" : formatDuration(c.durationMs)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {model.rows.map((r) => (
            <tr>
              <th scope="row" class="task-name">
                {r.taskId}
              </th>
              {r.cells.map((cell) => (
                <td class={selected?.runId === cell.runId ? "sel" : ""}>
                  <button
                    type="button"
                    class={`cell ${stateClass(cell.status)}${selected?.runId === cell.runId && selected.taskId === cell.taskId ? " current" : ""}`}
                    title={cell.text}
                    aria-label={cell.text}
                    data-state={cell.status}
                    data-task={cell.taskId}
                    data-run={cell.runId}
                    onClick={() => props.onSelectCell(cell.runId, cell.taskId)}
                  >
                    <span class="sr">{stateLabel(cell.status)}</span>
                  </button>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
