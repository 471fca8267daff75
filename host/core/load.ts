// Loading build/netpoll.wasm.
//
// Plain WebAssembly instantiation. The core's only import is
// env.abort(message, file, line, column), which AssemblyScript calls when an
// assert fails (the debug build) or `unreachable` is reached; it is turned
// into an Error carrying the decoded message. The exports are plain numbers,
// so no other glue is needed. Each call returns a fresh instance with its own
// memory: instances never share state.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CoreExports } from './abi.js';
import { wasm, type WasmMemory, type WasmModule } from './wasm.js';

export type CoreFlavor = 'release' | 'debug';

const FILES: Record<CoreFlavor, string> = { release: 'netpoll.wasm', debug: 'netpoll.debug.wasm' };

// From source (host/core/load.ts) the wasm is in ../../build; compiled (build/host/core/load.js) in ../../.
function wasmPath(flavor: CoreFlavor): string {
  const file = FILES[flavor];
  for (const rel of [`../../${file}`, `../../build/${file}`]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`netpoll: ${file} not found; run \`npm run build\``);
}

const modules = new Map<CoreFlavor, WasmModule>();

function compiled(flavor: CoreFlavor): WasmModule {
  let mod = modules.get(flavor);
  if (!mod) {
    mod = new wasm.Module(readFileSync(wasmPath(flavor)));
    modules.set(flavor, mod);
  }
  return mod;
}

/**
 * An AssemblyScript string in linear memory: `ptr` points at UTF-16LE code
 * units, and the 32-bit little-endian word just below it (the object header's
 * rtSize) is their length in bytes. Null (0) or out-of-range pointers read as
 * a placeholder: this runs while reporting a failure and must not throw.
 */
export function readAsString(memory: WasmMemory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  if (ptr === 0) return '(null)';
  if (ptr < 4 || ptr > bytes.length) return `(bad string pointer ${ptr})`;
  const size = new DataView(memory.buffer).getUint32(ptr - 4, true);
  if (size % 2 !== 0 || ptr + size > bytes.length) return `(bad string at ${ptr}, ${size} bytes)`;
  return Buffer.from(bytes.buffer, ptr, size).toString('utf16le');
}

/** Instantiate an AssemblyScript module whose only import is env.abort. */
export function instantiate(module: WasmModule): Record<string, unknown> {
  let memory: WasmMemory | null = null;
  const abort = (msg: number, file: number, line: number, column: number): never => {
    const text = memory ? `${readAsString(memory, msg)} at ${readAsString(memory, file)}:${line}:${column}` : `(no memory) at ${line}:${column}`;
    throw new Error(`abort: ${text}`);
  };
  const { exports } = new wasm.Instance(module, { env: { abort } });
  memory = exports.memory as WasmMemory;
  // A plain object: an instance's exports object is frozen, and wrappers (trace recording, test probes) proxy or extend it.
  return { ...exports };
}

/** A fresh core instance. `debug` has the core's internal asserts compiled in. */
export function loadCore(flavor: CoreFlavor = defaultFlavor()): CoreExports {
  return instantiate(compiled(flavor)) as unknown as CoreExports;
}

/** NETPOLL_CORE=debug selects the build with asserts (tests use it to catch internal invariant breaks). */
export function defaultFlavor(): CoreFlavor {
  return process.env.NETPOLL_CORE === 'debug' ? 'debug' : 'release';
}
