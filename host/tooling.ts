// The tooling the Poller reaches without importing it: the post-mortem
// writer (host/inspect/postmortem.ts) and the inspector server
// (host/inspector/), which sit in layers above it. The package entries
// (host/index.ts, host/sim/index.ts) install them with installTooling(); a
// Poller reads what is installed when it is created (the writer) and when
// it serves an inspector. Nothing is installed by importing the Poller alone.

import type { Poller } from './poller.js';

/** Stores a snapshot taken because of `reason`; returns its path, or null if it was not kept. */
export type PostMortemWriter = (snapshot: Uint8Array, reason: string) => string | null;

/** Options of serveInspector (the inspector itself is host/inspector/server.ts). */
export interface InspectorOptions {
  /** Socket path; default the conventional $XDG_RUNTIME_DIR/netpoll/<pid>.sock or /tmp/netpoll-<uid>/<pid>.sock. It must not exist, except a stale socket at the conventional path. */
  path?: string;
  /** Clients served at once (default 8); more are closed as they are accepted. */
  maxClients?: number;
  /** A client that sends nothing for this long is closed (default 60 000 ms). */
  idleMs?: number;
  /** A client that reads none of its response for this long is closed (default 2 000 ms; per 64 KiB chunk). */
  writeTimeoutMs?: number;
}

/** A running inspector server, as serveInspector hands it out. */
export interface InspectorHandle {
  /** The unix socket it listens on (mode 0600). */
  readonly path: string;
  readonly isClosed: boolean;
  /** Serve another poller on the same socket. */
  add(poller: Poller): void;
  /** Stop listening, close every client, remove the socket file. */
  close(): Promise<void>;
}

/** The inspector, as the Poller reaches it: how one is started, and what NETPOLL_INSPECT does with each new poller. */
export interface InspectorHooks {
  serve(pollers: Poller[], opts: InspectorOptions): Promise<InspectorHandle>;
  onCreate(poller: Poller): void;
}

export interface Tooling {
  /** The post-mortem writer of pollers created without the postMortem option. */
  postMortem: PostMortemWriter | null;
  /** poller.serveInspector() and NETPOLL_INSPECT go through it. */
  inspector: InspectorHooks | null;
}

const installed: Tooling = { postMortem: null, inspector: null };

/** Install the tooling hooks not installed yet (each package entry calls it; the first one wins). */
export function installTooling(hooks: Tooling): void {
  installed.postMortem ??= hooks.postMortem;
  installed.inspector ??= hooks.inspector;
}

/** What is installed. */
export function installedTooling(): Readonly<Tooling> {
  return installed;
}
