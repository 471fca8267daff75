// The two records that cross the host/core boundary as plain objects once
// decoded: one epoll event of a batch and one ready-list entry.

/** One raw epoll_event, decoded: data = index << 32 | tag (index 0xffffffff: one of the host's own fds). */
export interface PollEvent {
  events: number;
  index: number;
  tag: number;
}

/** A ready-list entry: the woken waiter's token and the code its wait returns. */
export interface ReadyEntry {
  token: number;
  code: number;
}
