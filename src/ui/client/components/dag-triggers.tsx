import { describeDagTriggers, type DagTriggerSpec } from "../../lib/dag-triggers";
import { WordsText } from "./words";

/** What starts a DAG: its schedule and each event trigger of its spec, in words, with links. */
export function DagTriggers(props: { dagId: string; spec: DagTriggerSpec }) {
  const lines = describeDagTriggers(props.dagId, props.spec);
  return (
    <section class="panel triggers-panel" aria-labelledby="triggers-h">
      <h2 id="triggers-h">Triggers</h2>
      <ul class="trigger-list">
        {lines.map((l) => (
          <li data-kind={l.kind}>
            <span class={`trigger-kind kind-${l.kind}`}>{l.title}</span> <WordsText words={l.words} />
          </li>
        ))}
      </ul>
    </section>
  );
}
