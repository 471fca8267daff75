// The inspector as the package entries install it (host/tooling.ts), so that
// the Poller (a layer below the inspector) can serve one without importing
// it: poller.serveInspector() and NETPOLL_INSPECT (auto.ts) both go through it.

import type { InspectorHooks } from '../tooling.js';
import { InspectorServer } from './server.js';
import { autoInspect } from './auto.js';

export const inspectorHooks: InspectorHooks = {
  serve: (pollers, opts) => InspectorServer.start(pollers, opts),
  onCreate: (poller) => {
    if (process.env.NETPOLL_INSPECT) autoInspect(poller); // inspector/paths.ts: the variable's values
  },
};
