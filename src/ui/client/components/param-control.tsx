import type { ParamField } from "../../lib/param-form";

/** One param's control (select, checkbox, number, date, JSON or text), its default filled in. */
export function ParamControl(props: { f: ParamField; invalid: boolean; describedBy: string; id?: string }) {
  const { f } = props;
  const common = {
    id: props.id ?? `param-${f.name}`,
    name: f.name,
    "aria-invalid": props.invalid ? "true" : undefined,
    "aria-describedby": props.describedBy,
    required: f.required,
  };
  switch (f.control) {
    case "select":
      return (
        <select {...common}>
          {f.required ? null : <option value="">(not set)</option>}
          {(f.options ?? []).map((o) => (
            <option value={o.text} selected={o.text === f.initial}>
              {o.text}
            </option>
          ))}
        </select>
      );
    case "checkbox":
      return <input type="checkbox" {...common} checked={f.initial === true} />;
    case "number":
      return <input type="number" inputMode="decimal" {...common} value={String(f.initial)} step={f.step} min={f.min} max={f.max} />;
    case "date":
      return <input type="date" {...common} value={String(f.initial)} />;
    case "json":
      return <textarea {...common} spellcheck={false}>{String(f.initial)}</textarea>;
    default:
      return <input type="text" {...common} value={String(f.initial)} />;
  }
}
