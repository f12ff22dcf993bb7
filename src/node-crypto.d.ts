/** The part of `node:crypto` (workerd's `nodejs_compat`) that Switchyard uses: synchronous hashing. */
declare module "node:crypto" {
  interface Hash {
    update(data: string): Hash;
    digest(): Uint8Array;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha256"): Hash;
  export function timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean;
}
