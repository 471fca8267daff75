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

/** A ready-list entry in core memory: two u32, token then code (assembly/layout.ts R_TOKEN, R_CODE; held to the layout table by a test). */
export const READY_ENTRY = { size: 8, token: 0, code: 4 } as const;

/** The first `n` entries of a ready list at `offset` (at most `capacity`), decoded. */
export function decodeReadyList(buffer: ArrayBufferLike, offset: number, n: number, capacity: number): ReadyEntry[] {
  const count = Math.max(0, Math.min(n, capacity));
  const view = new DataView(buffer, offset, count * READY_ENTRY.size);
  const out: ReadyEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * READY_ENTRY.size;
    out.push({ token: view.getUint32(at + READY_ENTRY.token, true), code: view.getUint32(at + READY_ENTRY.code, true) });
  }
  return out;
}
