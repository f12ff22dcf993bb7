// Lineage walk benchmark (issue #16: "under 50 ms on a graph of 10,000 column edges").
// Not a timed test: run it with `npx tsx bench/lineage-walk.ts`.
//
// Graph: 10,000 column edges over 34 tables of 100 columns each, every column fed by three
// columns of the table before it (random but seeded), so an upstream walk from the last table
// fans out to every column of every table. It reports the index build and the walks
// (median of 20): a full upstream walk, a depth-3 walk, and a downstream walk.
import { indexColumnEdges, walkColumns, type RecordedColumnEdge } from "../src/lineage/graph";

const TABLES = 34;
const COLUMNS = 100;
const FAN_IN = 3; // 34 × 100 × 3 ≥ 10,000: capped at 10,000 edges
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const edges: RecordedColumnEdge[] = [];
for (let t = 1; t < TABLES + 1 && edges.length < 10_000; t++)
  for (let c = 0; c < COLUMNS && edges.length < 10_000; c++)
    for (let k = 0; k < FAN_IN && edges.length < 10_000; k++)
      edges.push({
        from: { dataset: `d1://t${t - 1}`, column: `c${Math.floor(random() * COLUMNS)}` },
        to: { dataset: `d1://t${t}`, column: `c${c}` },
        type: "DIRECT",
        subtype: "TRANSFORMATION",
        dagId: "bench",
        taskId: `task${t}`,
        runId: "run",
      });
// Rows edges so the walks also follow what decided each table's rows.
for (let t = 1; t < TABLES; t++)
  edges[(t - 1) * COLUMNS * FAN_IN] = {
    from: { dataset: `d1://t${t - 1}`, column: "c0" },
    to: { dataset: `d1://t${t}`, column: "*" },
    type: "INDIRECT",
    subtype: "FILTER",
    dagId: "bench",
    taskId: `task${t}`,
    runId: "run",
  };

function time<T>(f: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = f();
  return { ms: performance.now() - start, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const build = time(() => indexColumnEdges(edges));
const graph = build.value;
const runs = (f: () => { edges: unknown[]; nodes: number }) => {
  const samples: number[] = [];
  let last = f();
  for (let i = 0; i < 20; i++) {
    const r = time(f);
    samples.push(r.ms);
    last = r.value;
  }
  return { ms: median(samples), edges: last.edges.length, nodes: last.nodes };
};
const start = { dataset: `d1://t${TABLES}`, column: "c1" };
const full = runs(() => walkColumns(graph, start, { direction: "upstream", maxNodes: 100_000 }));
const capped = runs(() => walkColumns(graph, start, { direction: "upstream" }));
const shallow = runs(() => walkColumns(graph, start, { direction: "upstream", maxDepth: 3 }));
const down = runs(() => walkColumns(graph, { dataset: "d1://t0", column: "c0" }, { direction: "downstream", maxNodes: 100_000 }));

console.log(`edges: ${edges.length}; index build: ${build.ms.toFixed(2)} ms`);
console.log(`upstream, unbounded:        ${full.ms.toFixed(2)} ms (${full.edges} edges, ${full.nodes} nodes)`);
console.log(`upstream, default 1,000 nodes: ${capped.ms.toFixed(2)} ms (${capped.edges} edges, ${capped.nodes} nodes)`);
console.log(`upstream, depth 3:          ${shallow.ms.toFixed(2)} ms (${shallow.edges} edges, ${shallow.nodes} nodes)`);
console.log(`downstream, unbounded:      ${down.ms.toFixed(2)} ms (${down.edges} edges, ${down.nodes} nodes)`);
