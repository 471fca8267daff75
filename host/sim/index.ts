// The simulated host: a real Poller over virtual fds and a virtual clock, for
// deterministic tests of code that uses netpoll (see poller.ts for the model).
//
// Deadlines: PollDesc.setDeadline converts absolute epoch ms with the drive's
// epochNowMs() (Drive.epochNowMs?, host/deadline.ts relativeNs); SimDrive's is
// the virtual wall clock, so `pd.setDeadline(sim.deadline(ms))` means "ms of
// virtual time from now".

export { SimPoller, eventBits, type SimOptions, type SimEventKind, type Handle, EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP } from './poller.js';
export { SimDrive, DEFAULT_START_NS, DEFAULT_EPOCH_MS, type Registration, type SimClockOptions } from './drive.js';
export { CoreJournal, type JournalEntry, type JournalEvent, type JournalCall, type ReadyEntry } from './journal.js';

import { installTooling } from '../tooling.js';
import { writePostMortem } from '../inspect/postmortem.js';
import { inspectorHooks } from '../inspector/install.js';

// Like the main entry, this one installs the post-mortem writer and the inspector (tooling.ts).
installTooling({ postMortem: writePostMortem, inspector: inspectorHooks });
