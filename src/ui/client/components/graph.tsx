import type { GraphLayout } from "../../lib/graph-layout";
import { graphSvg } from "../../lib/graph-svg";

/** The task graph (SVG built by `graphSvg`); a click, Enter or Space on a node selects its task. */
export function TaskGraph(props: {
  layout: GraphLayout;
  states: Record<string, { status: string; mapped?: string }>;
  selected?: string;
  onSelect?: (taskId: string) => void;
}) {
  const pick = (e: Event) => {
    const node = (e.target as Element).closest("g.node");
    const task = node?.getAttribute("data-task");
    if (task) props.onSelect?.(task);
  };
  return (
    <div
      class="graph-scroll"
      onClick={pick}
      onKeyDown={(e: KeyboardEvent) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          pick(e);
        }
      }}
      dangerouslySetInnerHTML={{ __html: graphSvg(props.layout, props.states, props.selected) }}
    ></div>
  );
}
