import { edgePath, LARGE_GRAPH, type GraphLayout } from "./graph-layout";
import { escapeHtml } from "./html";
import { stateClass, stateLabel } from "./states";

/**
 * The task graph as one SVG string from its layout: each node coloured and labelled by its state
 * (`states`), mapped tasks with `n/m`; nodes are focusable buttons carrying `data-task` (clicks and
 * keys are delegated by the island). A string for the same reason as the grid: 1,000 nodes and
 * 2,000 edges render in one parse. Pure.
 */
export function graphSvg(
  layout: GraphLayout,
  states: Readonly<Record<string, { status: string; mapped?: string }>>,
  selected?: string,
): string {
  const out: string[] = [];
  out.push(
    `<svg class="graph" role="group" aria-label="Task graph" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" xmlns="http://www.w3.org/2000/svg">` +
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>',
  );
  // A large graph's edges are one path without arrowheads (columns already read left to right):
  // 2,000 elements fewer to parse, lay out and paint.
  const large = layout.nodes.length > LARGE_GRAPH;
  if (large) out.push(`<path class="edge" d="${layout.edges.map((e) => edgePath(e.points)).join(" ")}"/>`);
  else for (const e of layout.edges) out.push(`<path class="edge" d="${edgePath(e.points)}" marker-end="url(#arrow)"/>`);
  for (const n of layout.nodes) {
    const s = states[n.id];
    const status = s?.status ?? "none";
    const label = escapeHtml(`${stateLabel(status)}${s?.mapped ? ` ${s.mapped}` : ""}`);
    const id = escapeHtml(n.id);
    out.push(
      `<g class="node ${stateClass(status)}${selected === n.id ? " selected" : ""}" transform="translate(${n.x.toFixed(1)},${n.y.toFixed(1)})" data-task="${id}" data-state="${escapeHtml(status)}" tabindex="0" role="button" aria-label="${id}: ${label}">` +
        `${large ? "" : `<title>${id}: ${label}</title>`}<rect width="${n.width}" height="${n.height}" rx="6"/>` +
        `<text x="10" y="16" class="node-id">${id}</text><text x="10" y="31" class="node-state">${label}</text></g>`,
    );
  }
  out.push("</svg>");
  return out.join("");
}
