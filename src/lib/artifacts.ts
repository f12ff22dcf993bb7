/**
 * Large task outputs live in R2 (binding `ARTIFACTS`); the run's state keeps a
 * reference `{ $artifact: key, bytes }` in their place. Keys are built here.
 */

export interface ArtifactRef {
  $artifact: string;
  bytes: number;
}

/** Outputs larger than this (bytes of JSON) go to R2 unless `OUTPUT_INLINE_LIMIT` says otherwise. */
export const DEFAULT_INLINE_LIMIT = 128 * 1024;

export function isArtifactRef(value: unknown): value is ArtifactRef {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { $artifact?: unknown }).$artifact === "string" &&
    typeof (value as { bytes?: unknown }).bytes === "number" &&
    Object.keys(value).length === 2
  );
}

export function artifactKey(runId: string, taskKey: string, attempt: number): string {
  return `runs/${runId}/outputs/${encodeURIComponent(taskKey)}/${attempt}.json`;
}

export function inlineLimit(env: { OUTPUT_INLINE_LIMIT?: string }): number {
  const n = Number(env.OUTPUT_INLINE_LIMIT);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_INLINE_LIMIT;
}

/** Stores an output in R2 when its JSON is larger than the limit; returns what the run state keeps. */
export async function offloadOutput(
  bucket: R2Bucket,
  limit: number,
  key: string,
  output: unknown,
): Promise<unknown> {
  if (output === null || typeof output !== "object") {
    if (typeof output !== "string" || output.length * 3 <= limit) return output;
  }
  const json = JSON.stringify(output) ?? "null";
  const bytes = new TextEncoder().encode(json).byteLength;
  if (bytes <= limit) return output;
  await bucket.put(key, json, { httpMetadata: { contentType: "application/json" } });
  return { $artifact: key, bytes } satisfies ArtifactRef;
}

/** Reads an artifact back; a missing object is an error (it would silently change what a task sees). */
export async function loadArtifact(bucket: R2Bucket, ref: ArtifactRef): Promise<unknown> {
  const obj = await bucket.get(ref.$artifact);
  if (!obj) throw new Error(`artifact ${ref.$artifact} is missing from R2`);
  return JSON.parse(await obj.text()) as unknown;
}

/**
 * The value a task output stands for: an artifact reference is loaded; so are
 * references inside a mapped task's list of outputs (one level, where they occur).
 */
export async function resolveOutput(bucket: R2Bucket, value: unknown): Promise<unknown> {
  if (isArtifactRef(value)) return loadArtifact(bucket, value);
  if (Array.isArray(value) && value.some(isArtifactRef)) {
    return Promise.all(value.map((v) => (isArtifactRef(v) ? loadArtifact(bucket, v) : v)));
  }
  return value;
}

/** The artifact references an output holds (itself, or inside a mapped task's list). */
export function artifactRefsIn(output: unknown): ArtifactRef[] {
  if (isArtifactRef(output)) return [output];
  if (Array.isArray(output)) return output.filter(isArtifactRef);
  return [];
}

/** True when an output (or a mapped list of outputs) holds an artifact reference. */
export function hasArtifactRef(value: unknown): boolean {
  return isArtifactRef(value) || (Array.isArray(value) && value.some(isArtifactRef));
}
