// The simulated host: a real Poller over virtual fds and a virtual clock, for
// deterministic tests of code that uses netpoll (see poller.ts for the model).
//
// Deadlines: PollDesc.setDeadline takes absolute epoch ms and converts them
// with host/deadline.ts relativeNs. SimDrive provides epochNowMs(), the virtual
// wall clock; relativeNs must measure against the drive's epochNowMs() when it
// has one (Drive.epochNowMs?(), passed through PollDescInternals) for
// `pd.setDeadline(sim.deadline(ms))` to mean "ms of virtual time from now".

export { SimPoller, eventBits, type SimOptions, type SimEventKind, type Handle, EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP } from './poller.js';
export { SimDrive, DEFAULT_START_NS, DEFAULT_EPOCH_MS, type Registration, type SimClockOptions } from './drive.js';
export { CoreJournal, type JournalEntry, type JournalEvent, type JournalCall, type ReadyEntry } from './journal.js';
