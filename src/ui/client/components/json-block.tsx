import { useState } from "hono/jsx/dom";
import { jsonPreview } from "../../lib/json-preview";

/** Pretty JSON, cut when long, with a button that shows the whole value. */
export function JsonBlock(props: { value: unknown; label: string }) {
  const [whole, setWhole] = useState(false);
  const preview = jsonPreview(props.value, whole ? Number.MAX_SAFE_INTEGER : 1_500);
  return (
    <div class="json">
      <pre aria-label={props.label}>{preview.text}</pre>
      {preview.truncated ? (
        <button type="button" class="link" onClick={() => setWhole(true)}>
          Show the whole {props.label} ({preview.length.toLocaleString()} characters)
        </button>
      ) : null}
    </div>
  );
}
