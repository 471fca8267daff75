// Loading build/netpoll.wasm.
//
// We use @assemblyscript/loader only for what it still does best: turning the
// core's abort(message, file, line, column) into a readable Error. The core
// exports plain numbers, so no other glue is needed. Each call returns a fresh
// instance with its own memory: instances never share state.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateSync } from '@assemblyscript/loader';
import type { CoreExports } from './abi.js';

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

const modules = new Map<CoreFlavor, WebAssembly.Module>();

function compiled(flavor: CoreFlavor): WebAssembly.Module {
  let mod = modules.get(flavor);
  if (!mod) {
    mod = new WebAssembly.Module(readFileSync(wasmPath(flavor)));
    modules.set(flavor, mod);
  }
  return mod;
}

/** A fresh core instance. `debug` has the core's internal asserts compiled in. */
export function loadCore(flavor: CoreFlavor = defaultFlavor()): CoreExports {
  const { exports } = instantiateSync(compiled(flavor), {});
  return exports as unknown as CoreExports;
}

/** NETPOLL_CORE=debug selects the build with asserts (tests use it to catch internal invariant breaks). */
export function defaultFlavor(): CoreFlavor {
  return process.env.NETPOLL_CORE === 'debug' ? 'debug' : 'release';
}
