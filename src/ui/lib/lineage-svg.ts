import { escapeHtml } from "./html";
import { edgePath, FOCUS_SUFFIX, labelWidth, type LineageLayout } from "./lineage-layout";

/**
 * A lineage graph as one SVG string: each node a link (`href` from `hrefOf`, focusable, Enter
 * follows it), the focused node marked in text as well as by its border, each edge labelled with
 * text on a white plate (the DAG and task, or the kind in words) and styled by its classes. Pure.
 */
export function lineageSvg(
  layout: LineageLayout,
  options: { title: string; focus?: string; hrefOf: (id: string) => string; nodeLabel?: (id: string) => string },
): string {
  const out: string[] = [];
  out.push(
    `<svg class="graph lineage" role="group" aria-label="${escapeHtml(options.title)}" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" xmlns="http://www.w3.org/2000/svg">` +
      '<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>',
  );
  for (const e of layout.edges) out.push(`<path class="edge ${escapeHtml(e.cls)}" d="${edgePath(e.points)}" marker-end="url(#lineage-arrow)"/>`);
  for (const e of layout.edges) {
    const w = labelWidth(e.label);
    out.push(
      `<g class="edge-label ${escapeHtml(e.cls)}" transform="translate(${(e.labelAt.x - w / 2).toFixed(1)},${(e.labelAt.y - 8).toFixed(1)})">` +
        `<rect width="${w}" height="16" rx="3"/><text x="${w / 2}" y="12" text-anchor="middle">${escapeHtml(e.label)}</text></g>`,
    );
  }
  for (const n of layout.nodes) {
    const focus = options.focus === n.id;
    const label = escapeHtml(options.nodeLabel ? options.nodeLabel(n.id) : `${n.label} ${n.sub}`);
    out.push(
      `<a class="lnode${focus ? " focus" : ""}" href="${escapeHtml(options.hrefOf(n.id))}" data-node="${escapeHtml(n.id)}" aria-label="${label}${focus ? " (shown)" : ""}"${focus ? ' aria-current="true"' : ""}>` +
        `<g transform="translate(${n.x.toFixed(1)},${n.y.toFixed(1)})"><title>${label}</title><rect width="${n.width}" height="${n.height}" rx="6"/>` +
        `<text x="10" y="16" class="node-id">${escapeHtml(n.label)}</text><text x="10" y="31" class="node-state">${escapeHtml(focus ? n.sub + FOCUS_SUFFIX : n.sub)}</text></g></a>`,
    );
  }
  out.push("</svg>");
  return out.join("");
}
