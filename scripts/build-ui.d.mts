/** Builds the UI's client assets into dist/public/ui; returns the JavaScript each page loads. */
export function buildUi(opts?: { quiet?: boolean }): Promise<Record<string, { files: number; raw: number; gzip: number }>>;
