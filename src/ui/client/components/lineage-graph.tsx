/** A graph drawn by `lineageSvg`; a click on a node moves the page there without a reload. */
export function LineageGraph(props: { svg: string; onPick: (href: string) => void }) {
  const click = (e: MouseEvent) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    const a = (e.target as Element).closest("a.lnode");
    const href = a?.getAttribute("href");
    if (!href) return;
    e.preventDefault();
    props.onPick(href);
  };
  return <div class="graph-scroll lineage-scroll" onClick={click} dangerouslySetInnerHTML={{ __html: props.svg }}></div>;
}
