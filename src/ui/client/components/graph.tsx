import { edgePath, type GraphLayout } from "../../lib/graph-layout";
import { stateClass, stateLabel } from "../../lib/states";

/**
 * The task graph as SVG from a precomputed layout; each node is coloured and labelled by its
 * state in the selected run (`states`), mapped tasks with `n/m`.
 */
export function TaskGraph(props: {
  layout: GraphLayout;
  states: Record<string, { status: string; mapped?: string }>;
  onSelect?: (taskId: string) => void;
}) {
  const { layout, states } = props;
  return (
    <div class="graph-scroll">
      <svg
        class="graph"
        role="img"
        aria-label="Task graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path class="edge" d={edgePath(e.points)} marker-end="url(#arrow)" />
        ))}
        {layout.nodes.map((n) => {
          const s = states[n.id];
          const status = s?.status ?? "none";
          const label = `${stateLabel(status)}${s?.mapped ? ` ${s.mapped}` : ""}`;
          return (
            <g
              class={`node ${stateClass(status)}`}
              transform={`translate(${n.x},${n.y})`}
              data-task={n.id}
              data-state={status}
              tabindex={0}
              role="button"
              aria-label={`${n.id}: ${label}`}
              onClick={() => props.onSelect?.(n.id)}
              onKeyDown={(e: KeyboardEvent) => {
                if (e.key === "Enter" || e.key === " ") props.onSelect?.(n.id);
              }}
            >
              <title>{`${n.id}: ${label}`}</title>
              <rect width={n.width} height={n.height} rx="6" />
              <text x="10" y="16" class="node-id">
                {n.id}
              </text>
              <text x="10" y="31" class="node-state">
                {label}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
