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

/**
 * `n` rounded up to a multiple of `to` (a power of two: NLMSG_ALIGN,
 * CMSG_ALIGN). In float arithmetic, not `(n + to - 1) & ~(to - 1)`: a length
 * field read from the bytes may be 2^31 or more, which the 32-bit bitwise
 * form turns negative, and a parser walking a buffer over 2 GiB would then
 * step backwards and fail with a RangeError instead of TruncatedRecordError.
 * Exact for every n below 2^53.
 */
export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
