import { EDGE_KINDS, edgeKindClass } from "../../lib/lineage-kinds";
import { ROWS_EDGE_LABEL } from "../../lib/lineage-model";

/** The kinds of column edges: line style and colour, each named, those in this walk first. */
export function LineageLegend(props: { used: Set<string> }) {
  const kinds = [...EDGE_KINDS].sort((a, b) => Number(props.used.has(`${b.type}/${b.subtype}`)) - Number(props.used.has(`${a.type}/${a.subtype}`)));
  return (
    <details class="lineage-legend" open>
      <summary>Edge kinds (OpenLineage): DIRECT carries values, INDIRECT decides rows or order</summary>
      <ul>
        {kinds.map((k) => (
          <li class={props.used.has(`${k.type}/${k.subtype}`) ? "used" : ""}>
            <svg width="36" height="10" aria-hidden="true">
              <line x1="0" y1="5" x2="36" y2="5" class={`edge ${edgeKindClass(k.type, k.subtype)}`} />
            </svg>
            <strong>
              {k.type} · {k.word}
            </strong>{" "}
            <span class="muted">{k.meaning}</span>
            {props.used.has(`${k.type}/${k.subtype}`) ? <span class="in-walk">in this walk</span> : null}
          </li>
        ))}
        <li class="used">
          <svg width="36" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="36" y2="5" class="edge lk-rows" />
          </svg>
          <strong>{ROWS_EDGE_LABEL}</strong> <span class="muted">drawn from a dataset's rows (<code>*</code>) to its columns: what decided the rows shapes every column</span>
        </li>
      </ul>
    </details>
  );
}
