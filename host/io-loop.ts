// The body of a PollFD operation once its direction's lock is held, as Go's
// internal/poll runs it (read and write inline the same steps in pollfd.ts,
// with a synchronous path for a syscall that succeeds at once): pollReset first (a closing fd, a passed
// deadline or a pending EPOLLERR fail before any syscall), then the syscall;
// WOULD_BLOCK means wait for readiness (edge-triggered, so only after EAGAIN)
// and try again. The syscall wrapper has already retried EINTR.
//
// Used by PollFD's accept and message methods (recvMsg, sendMsg, recvFrom,
// sendTo); the options were checked (validate.ts) before the lock was taken.

import type { PollDesc, WaitOptions } from './polldesc.js';
import { WOULD_BLOCK } from './os/syscall.js';
import { AbortError } from './errors.js';

export async function untilDone<T>(
  pd: PollDesc,
  mode: 'r' | 'w',
  opts: WaitOptions | undefined,
  attempt: () => T | typeof WOULD_BLOCK,
): Promise<T> {
  const turn = pd.spend(); // like read/write: a used-up slice lets the event loop turn first (fairness.ts)
  if (turn) {
    await turn;
    if (opts?.signal?.aborted) throw new AbortError(opts.signal.reason);
  }
  pd.reset(mode);
  for (;;) {
    const result = attempt();
    if (result !== WOULD_BLOCK) return result;
    await pd.wait(mode, opts);
  }
}
