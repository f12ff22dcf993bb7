import { isArtifactRef, loadArtifact, type ArtifactRef } from "../../lib/artifacts";

/** What the coordinator keeps of artifacts by default: far below a Durable Object's 128 MB. */
export const DEFAULT_ARTIFACT_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Artifact contents (large outputs held in R2) that the coordinator's own
 * expressions read (`when`, `branch`, `map.over`), least recently used first
 * out, bounded by the artifacts' sizes in bytes. The coordinator loads only
 * what an expression of a task not yet finished reads (`ensure`), just before
 * the transition that may evaluate it; everything else is read by the workers
 * straight from R2, so a 10,000-wide map of large outputs costs nothing here.
 */
export class ArtifactCache {
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private total = 0;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly maxBytes: number = DEFAULT_ARTIFACT_CACHE_BYTES,
  ) {}

  /** Bytes held (as the references count them: the JSON size of each artifact). */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Loads the references not held yet (R2 reads in parallel); each is then the most recently used. */
  async ensure(refs: ArtifactRef[]): Promise<void> {
    const missing = new Map<string, ArtifactRef>();
    for (const ref of refs) {
      const hit = this.entries.get(ref.$artifact);
      if (hit) this.touch(ref.$artifact, hit);
      else missing.set(ref.$artifact, ref);
    }
    const loaded = await Promise.all([...missing.values()].map(async (ref) => [ref, await loadArtifact(this.bucket, ref)] as const));
    for (const [ref, value] of loaded) this.set(ref, value);
  }

  /** Keeps a value the coordinator just wrote to R2 itself (a mapped task's list of outputs). */
  set(ref: ArtifactRef, value: unknown): void {
    const old = this.entries.get(ref.$artifact);
    if (old) {
      this.total -= old.bytes;
      this.entries.delete(ref.$artifact);
    }
    this.entries.set(ref.$artifact, { value, bytes: ref.bytes });
    this.total += ref.bytes;
    this.evict(ref.$artifact);
  }

  /** The content of a reference, or undefined when it is not held. */
  get(ref: ArtifactRef): unknown {
    return this.entries.get(ref.$artifact)?.value;
  }

  has(ref: ArtifactRef): boolean {
    return this.entries.has(ref.$artifact);
  }

  /** Forgets everything not in `keep` (artifacts no unfinished task's expression reads any more). */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const [key, entry] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      this.total -= entry.bytes;
    }
  }

  /**
   * An output as the coordinator's expressions see it: a held reference (or held references in a
   * mapped task's list) replaced by its content. A reference not held is an error: the
   * expression would otherwise read the reference object instead of the output.
   */
  resolve(output: unknown): unknown {
    if (isArtifactRef(output)) return this.resolveOne(output);
    if (Array.isArray(output) && output.some(isArtifactRef)) return output.map((o) => (isArtifactRef(o) ? this.resolveOne(o) : o));
    return output;
  }

  private resolveOne(ref: ArtifactRef): unknown {
    const hit = this.entries.get(ref.$artifact);
    if (!hit) throw new Error(`output ${ref.$artifact} (${ref.bytes} bytes) is not loaded: larger than the coordinator's artifact cache?`);
    return hit.value;
  }

  private touch(key: string, entry: { value: unknown; bytes: number }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  /** Drops least recently used entries until under the bound (never the one just added). */
  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.maxBytes) return;
      if (key === keep) continue;
      this.entries.delete(key);
      this.total -= entry.bytes;
    }
  }
}
