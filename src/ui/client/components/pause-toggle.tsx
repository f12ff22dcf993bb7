import { useState } from "hono/jsx/dom";
import { api, read } from "../api";

type PauseAnswer = Awaited<ReturnType<typeof read<Awaited<ReturnType<(typeof api.api.dags)[":dagId"]["pause"]["$post"]>>>>>;

/**
 * A DAG's paused state as text ("Active" / "Paused") and the button that flips it
 * (`POST /api/dags/{dagId}/pause|unpause`); the answer is the DAG's scheduling state, which the
 * caller gets back to hold and redraw (next run, counts): the toggle keeps no state of its own.
 */
export function PauseToggle(props: {
  dagId: string;
  paused: boolean;
  onChange: (status: PauseAnswer) => void;
}) {
  const { paused } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const flip = async () => {
    setBusy(true);
    setError("");
    try {
      const param = { param: { dagId: props.dagId } };
      const status = await read(paused ? await api.api.dags[":dagId"].unpause.$post(param) : await api.api.dags[":dagId"].pause.$post(param));
      props.onChange(status);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="pause-toggle" data-dag={props.dagId}>
      <span class={`sched-state ${paused ? "is-paused" : "is-active"}`} data-paused={String(paused)}>
        {paused ? "Paused" : "Active"}
      </span>
      <button type="button" class="small-button" disabled={busy} aria-label={`${paused ? "Unpause" : "Pause"} ${props.dagId}`} onClick={() => void flip()}>
        {paused ? "Unpause" : "Pause"}
      </button>
      {error ? (
        <span class="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
