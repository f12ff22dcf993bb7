import { stateClass, stateLabel } from "../../lib/states";

/** A state as a coloured pill with its name as text. */
export function StateBadge(props: { status: string | null | undefined }) {
  return <span class={`badge ${stateClass(props.status)}`}>{stateLabel(props.status)}</span>;
}

/** A small coloured square (the DAG list's recent runs); its state is its accessible name, shown on hover and focus. */
export function StateSquare(props: { status: string; label: string; href: string }) {
  const text = `${props.label}: ${stateLabel(props.status)}`;
  return <a class={`square ${stateClass(props.status)}`} href={props.href} aria-label={text} data-state={props.status}></a>;
}
