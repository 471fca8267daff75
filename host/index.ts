// netpoll-wasm: Go's network poller for Node.js.

import { Poller } from './poller.js';
import { installTooling } from './tooling.js';
import { writePostMortem } from './inspect/postmortem.js';
import { inspectorHooks } from './inspector/install.js';

// The public entry installs the tooling the Poller reaches through hooks (tooling.ts): it never imports it.
installTooling({ postMortem: writePostMortem, inspector: inspectorHooks });

export { Poller, type PollerOptions, type PollerStats, type DriveMode, type PostMortemWriter } from './poller.js';
export { PollDesc, type WaitOptions, type WaitModeName, type DeadlineModeName } from './polldesc.js';
export { PollFD, type PollFDOptions, type IoOptions, type ChunksOptions, defaultPoller } from './pollfd.js';
export { PollFDStream, MessageTooLongError, type PollFDStreamOptions } from './stream.js';
export {
  DeadlineExceededError,
  ClosedError,
  NotPollableError,
  MisuseError,
  AbortError,
  CoreInconsistencyError,
  isTimeout,
  type MisuseReason,
} from './errors.js';
export type { Deadline } from './deadline.js';
export { decodeSnapshot, SnapshotError } from './inspect/decode.js';
export type { Inspection, DescriptorView, TimerView, Violation } from './inspect/types.js';
export { SyscallError } from './os/errors.js';
export { formatInspection } from './inspect/format.js';
export type { InspectorServer, InspectorOptions } from './inspector/server.js';
export type { Frame, PollerFrame, DescriptorFrame, TimerFrame } from './inspector/protocol.js';
export {
  CHANNEL_WAIT,
  CHANNEL_BATCH,
  CHANNEL_DEADLINE_FIRED,
  CHANNEL_STALE_EVENT,
  CHANNEL_POLLER_CLOSE,
  type WaitOutcome,
} from './observe/channels.js';
import type * as channels from './observe/channels.js';
import type { PollDesc as PollDescClass } from './polldesc.js';
// The channels' payloads with this package's classes filled in (observe/ sits below them and names neither).
export type WaitContext = channels.WaitContext<Poller, PollDescClass>;
export type BatchMessage = channels.BatchMessage<Poller>;
export type DeadlineFiredMessage = channels.DeadlineFiredMessage<Poller>;
export type StaleEventMessage = channels.StaleEventMessage<Poller>;
export type PollerCloseMessage = channels.PollerCloseMessage<Poller>;
