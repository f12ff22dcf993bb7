import type { GanttGeometry } from "../../lib/gantt";
import { stateClass } from "../../lib/states";

const ROW = 22;
const LABEL = 180;

/** The Gantt chart of a run's attempts (retries as bars of their own) as SVG. */
export function Gantt(props: { geometry: GanttGeometry; width: number }) {
  const { geometry: g, width } = props;
  if (g.bars.length === 0) return <p class="muted">No attempt has started yet.</p>;
  const height = g.rows.length * ROW + 24;
  return (
    <div class="gantt-scroll">
      <svg class="gantt" role="img" aria-label="Gantt chart of task attempts" width={LABEL + width + 16} height={height}>
        {g.ticks.map((t) => (
          <g transform={`translate(${LABEL + t.x},0)`}>
            <line class="tick" y1="0" y2={height - 18} />
            <text class="tick-label" y={height - 4} text-anchor="middle">
              {t.label}
            </text>
          </g>
        ))}
        {g.rows.map((label, i) => (
          <text class="gantt-label" x={LABEL - 8} y={i * ROW + 15} text-anchor="end">
            {label.length > 24 ? `${label.slice(0, 23)}…` : label}
          </text>
        ))}
        {g.bars.map((b) => (
          <rect
            class={`bar ${stateClass(b.status)}${b.open ? " open" : ""}`}
            x={LABEL + b.x}
            y={b.row * ROW + 3}
            width={b.width}
            height={ROW - 6}
            rx="3"
            data-task={b.label}
            data-attempt={b.attempt}
            data-state={b.status}
          >
            <title>{b.text}</title>
          </rect>
        ))}
      </svg>
    </div>
  );
}
