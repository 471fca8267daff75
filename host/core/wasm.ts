// The few WebAssembly types the host uses, declared here so the published
// .d.ts files compile without the DOM lib (@types/node 20 declares no
// WebAssembly namespace). They describe Node's global WebAssembly object.

/** A WebAssembly.Memory as the host uses it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

/** A compiled WebAssembly.Module (opaque to the host). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export type WasmImports = Record<string, Record<string, unknown>>;

export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => { readonly exports: Record<string, unknown> };
}

/** Node's global WebAssembly, typed by the declarations above. */
export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
