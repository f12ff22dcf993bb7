import type { Child } from "hono/jsx";
import { useEffect, useRef } from "hono/jsx/dom";

/** A modal confirmation (native `<dialog>`: focus is trapped and Escape cancels). */
export function Confirm(props: { title: string; children?: Child; confirmLabel: string; cancelLabel?: string; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={() => props.onCancel()}>
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="dialog-actions">
        <button type="button" onClick={() => props.onCancel()}>
          {props.cancelLabel ?? "Keep the run as it is"}
        </button>
        <button type="button" class="primary" onClick={() => props.onConfirm()}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
