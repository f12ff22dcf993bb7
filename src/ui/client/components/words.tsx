import type { Words } from "../../lib/words";

/** Draws a sentence built by the pure describers: text, code spans and links. */
export function WordsText(props: { words: Words }) {
  return (
    <>
      {props.words.map((w) => {
        if (typeof w === "string") return w;
        const inner = w.code ? <code>{w.text}</code> : w.text;
        return w.href === undefined ? inner : <a href={w.href}>{inner}</a>;
      })}
    </>
  );
}
