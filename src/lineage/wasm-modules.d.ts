/** A `.wasm?module` import in the Worker bundle is a compiled module (wrangler's `CompiledWasm` rule). */
declare module "*.wasm?module" {
  const module: WebAssembly.Module;
  export default module;
}
