import { describe, expect, it } from "vitest";
import { layoutGraph } from "../../../src/ui/lib/graph-layout";
import { graphSvg } from "../../../src/ui/lib/graph-svg";
import { GRID_ROW_PX, gridHtml, visibleRows } from "../../../src/ui/lib/grid-html";
import { gridModel } from "../../../src/ui/lib/grid-model";
import { escapeHtml } from "../../../src/ui/lib/html";

const runs = [
  { runId: "r2", status: "running", createdAt: null, startedAt: null, endedAt: null, tasks: { a: { status: "success", attempts: 1 } } },
  { runId: "r1", status: "success", createdAt: null, startedAt: null, endedAt: null, tasks: { a: { status: "failed", attempts: 2 } } },
];

describe("gridHtml", () => {
  const ids = Array.from({ length: 100 }, (_, i) => `t${i}`);
  const model = gridModel(ids, runs, 0);

  it("draws only the rows in the window, with spacer rows for the height of the rest", () => {
    const html = gridHtml(model, undefined, { from: 10, to: 20 });
    expect(html.match(/<th scope="row"/g)).toHaveLength(10);
    expect(html.match(/class="cell /g)).toHaveLength(20);
    expect(html).toContain(`style="height:${10 * GRID_ROW_PX}px"`);
    expect(html).toContain(`style="height:${80 * GRID_ROW_PX}px"`);
    expect(html).toContain('data-task="t10"');
    expect(html).not.toContain('data-task="t9"');
  });

  it("marks the selected run and cell, and carries each cell's state as text", () => {
    const html = gridHtml(gridModel(["a"], runs, 0), { runId: "r1", taskId: "a" });
    expect(html).toContain('class="cell st-failed current" aria-label="a in run r1: failed, 2 attempts"');
    expect(html).toContain('data-run="r1"');
  });

  it("windows by scroll position with overscan, inside the rows", () => {
    expect(visibleRows(1000, 0, 220, 10)).toEqual({ from: 0, to: 20 });
    expect(visibleRows(1000, 2200, 220, 10)).toEqual({ from: 90, to: 120 });
    expect(visibleRows(5, 0, 560)).toEqual({ from: 0, to: 5 });
  });
});

describe("graphSvg", () => {
  it("labels each node with its state (mapped n/m) and escapes ids", () => {
    const svg = graphSvg(layoutGraph([{ id: "a<b>", dependsOn: [] }, { id: "c", dependsOn: ["a<b>"] }]), {
      "a<b>": { status: "success" },
      c: { status: "running", mapped: "2/5" },
    }, "c");
    expect(svg).not.toContain("<b>");
    expect(svg).toContain('data-task="a&lt;b&gt;" data-state="success"');
    expect(svg).toContain('aria-label="c: running 2/5"');
    expect(svg).toContain('class="node st-running selected"');
    expect(svg.match(/class="edge"/g)).toHaveLength(1);
  });

  it("escapes quotes and ampersands", () => {
    expect(escapeHtml(`a&"'<>`)).toBe("a&amp;&quot;&#39;&lt;&gt;");
  });
});
