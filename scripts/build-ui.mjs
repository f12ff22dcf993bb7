#!/usr/bin/env node
// Builds the web UI's client islands (src/ui/client/pages/*.tsx, one entry per page) and its
// stylesheet into dist/public/ui/, the directory wrangler serves as static assets next to the
// Worker. Each page is one file (shared code is bundled into each: one request, no waterfall).
// Writes dist/ui-sizes.json: the JavaScript each page loads, raw and gzipped.
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pagesDir = join(root, "src", "ui", "client", "pages");
const outdir = join(root, "dist", "public", "ui");

/** Builds the client assets; returns the JavaScript each page loads (bytes, raw and gzipped). */
export async function buildUi({ quiet = false } = {}) {
  mkdirSync(outdir, { recursive: true });
  const entries = readdirSync(pagesDir).filter((f) => f.endsWith(".tsx")).map((f) => join(pagesDir, f));
  const result = await build({
    entryPoints: [...entries, join(root, "src", "ui", "client", "styles.css")],
    outdir,
    bundle: true,
    // One file per page: no chunk waterfall (each page's JavaScript is one request).
    splitting: false,
    format: "esm",
    target: "es2022",
    minify: true,
    metafile: true,
    jsx: "automatic",
    jsxImportSource: "hono/jsx/dom",
    chunkNames: "chunks/[name]-[hash]",
    entryNames: "[name]",
    legalComments: "none",
    logLevel: quiet ? "warning" : "info",
    absWorkingDir: root,
  });
  // A page's JavaScript: its entry plus every chunk it imports, transitively.
  const outputs = result.metafile.outputs;
  const sizes = {};
  for (const [file, out] of Object.entries(outputs)) {
    if (!out.entryPoint || !file.endsWith(".js")) continue;
    const seen = new Set();
    const walk = (f) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const imp of outputs[f]?.imports ?? []) if (imp.kind === "import-statement") walk(imp.path);
    };
    walk(file);
    let raw = 0;
    let gzip = 0;
    for (const f of seen) {
      const bytes = readFileSync(join(root, f));
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
    }
    sizes[relative(outdir, join(root, file)).replace(/\.js$/, "")] = { files: seen.size, raw, gzip };
  }
  writeFileSync(join(root, "dist", "ui-sizes.json"), JSON.stringify(sizes, null, 2) + "\n");
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildUi();
  for (const [page, s] of Object.entries(sizes)) {
    console.log(`ui: ${page.padEnd(10)} ${(s.gzip / 1024).toFixed(1).padStart(6)} KB gzipped (${(s.raw / 1024).toFixed(1)} KB, ${s.files} files)`);
  }
}
