/**
 * The error the record parsers (inotify events, netlink messages, rtattrs,
 * control messages) throw for bytes that end inside a record or whose length
 * field is impossible. A parser reads nothing beyond the buffer it was given.
 */
export class TruncatedRecordError extends Error {
  readonly code = 'ERR_NETPOLL_TRUNCATED_RECORD';
  constructor(
    /** The kind of record, e.g. 'inotify_event', 'nlmsghdr'. */
    readonly record: string,
    /** Where the record starts in the buffer. */
    readonly offset: number,
    /** Bytes the record claims or needs at least. */
    readonly need: number,
    /** Bytes left in the buffer from `offset`. */
    readonly have: number,
  ) {
    super(`truncated ${record} at offset ${offset}: needs ${need} bytes, ${have} left`);
    this.name = 'TruncatedRecordError';
  }
}
