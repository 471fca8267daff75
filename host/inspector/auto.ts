// NETPOLL_INSPECT (values in paths.ts): one inspector per process, started
// with the first poller and serving every poller created after it. It stops
// when its last poller closes; the next poller starts a new one. Failures
// (a live socket at the path, an unsafe directory) become one process
// warning, never an error in the application.
//
// Only the main thread's pollers: a worker has its own module state, so it
// would start a second inspector at the same path (the pid's) and, if first,
// keep the main thread's out. A terminated worker could not remove its
// socket either (no JavaScript runs). A worker serves its pollers with
// serveInspector({ path }) instead.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Poller } from '../poller.js';
import { InspectorServer, isBuildingOwnPoller } from './server.js';
import { socketPathForPid, socketPathFromEnv } from './paths.js';
import { openPrivateDir } from './private-dir.js';

let processServer: Promise<InspectorServer | null> | null = null;
let warned = false;

/** Called for every new Poller: serve it on the process's inspector when NETPOLL_INSPECT asks for one. */
export function autoInspect(poller: Poller): void {
  if (!isMainThread || isBuildingOwnPoller() || poller.driveMode === 'sim') return;
  const path = socketPathFromEnv();
  if (path === null) return;
  const pending = processServer;
  const attach = (s: InspectorServer | null): InspectorServer | null => {
    if (s && !s.isClosed) {
      s.add(poller);
      return s;
    }
    return null;
  };
  processServer = (pending ?? Promise.resolve(null)).then((s) => {
    const live = attach(s);
    if (live) return live;
    const conventional = path === socketPathForPid(process.pid);
    if (!conventional) {
      try {
        ensureDirFor(path);
      } catch (err) {
        warnOnce(err);
        return null;
      }
    }
    // A stale socket at the path is replaced by start(), for this path as for serveInspector({ path }).
    return InspectorServer.start([poller], conventional ? {} : { path }).catch((err: unknown) => {
      warnOnce(err);
      return null;
    });
  });
}

/** A directory NETPOLL_INSPECT names that does not exist yet is created private (0700, checked); an existing one is the user's choice. */
function ensureDirFor(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) openPrivateDir(dir, true).close();
}

function warnOnce(err: unknown): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`NETPOLL_INSPECT: the inspector could not start: ${(err as Error)?.message ?? String(err)}`, { code: 'NETPOLL_INSPECT' });
}
