// The body of every PollFD operation once its direction's lock is held, as
// Go's internal/poll runs it: pollReset first (a closing fd, a passed
// deadline or a pending EPOLLERR fail before any syscall), then the syscall;
// WOULD_BLOCK means wait for readiness (edge-triggered, so only after EAGAIN)
// and try again. The syscall wrapper has already retried EINTR.
//
// Used by PollFD's message methods (recvMsg, sendMsg, recvFrom, sendTo).

import type { PollDesc, WaitOptions } from './polldesc.js';
import { WOULD_BLOCK } from './sys/io.js';

export async function untilDone<T>(
  pd: PollDesc,
  mode: 'r' | 'w',
  opts: WaitOptions,
  attempt: () => T | typeof WOULD_BLOCK,
): Promise<T> {
  pd.reset(mode);
  for (;;) {
    const result = attempt();
    if (result !== WOULD_BLOCK) return result;
    await pd.wait(mode, opts);
  }
}
