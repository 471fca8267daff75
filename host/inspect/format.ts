// Human-readable tables for an Inspection (what `netpoll inspect` and
// `netpoll replay` print). Pure: Inspection in, text out; no I/O, no core.
//
// Times in a snapshot are absolute monotonic nanoseconds, which mean nothing
// to a reader, so every time is shown relative to T0, the earliest deadline
// in the snapshot (the heap's root when the heap is not empty). Free
// descriptors that were never used (fdseq 0: the tail of a freshly grown
// block) are summarised in one line instead of one row each.

import type { Inspection, DescriptorView, SemaState, TimerView } from './types.js';

export interface FormatOptions {
  /** First line; default "netpoll snapshot". */
  title?: string;
  /** Most free-list entries listed before "… N more" (default 256). */
  maxFreeList?: number;
}

/** The whole report: summary, descriptors, free list, heap, counters, violations. */
export function formatInspection(x: Inspection, opts: FormatOptions = {}): string {
  const t0 = earliest(x);
  const out: string[] = [];
  append(out, summary(x, t0, opts.title ?? 'netpoll snapshot'));
  out.push('');
  append(out, descriptorTable(x, t0));
  out.push('');
  append(out, freeListLines(x, opts.maxFreeList ?? 256));
  out.push('');
  append(out, heapTable(x, t0));
  out.push('');
  append(out, counterTable(x));
  out.push('');
  append(out, violationLines(x));
  return out.join('\n') + '\n';
}

// ── time ─────────────────────────────────────────────────────────────────────

/** T0: the heap root's when, else the earliest future deadline of any descriptor, else null. */
function earliest(x: Inspection): bigint | null {
  let min: bigint | null = null;
  const see = (v: string): void => {
    const b = BigInt(v);
    if (b > 0n && (min === null || b < min)) min = b;
  };
  for (const t of x.timers) see(t.when);
  if (min !== null) return min;
  for (const d of x.descriptors) {
    if (d.state === 'free') continue;
    see(d.rd);
    see(d.wd);
  }
  return min;
}

/** A duration in ns as "1.5 ms", "250 µs", "3 ns", "2.25 s" (at most 4 significant digits). */
export function formatDuration(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const units: [bigint, string][] = [[86_400_000_000_000n, 'd'], [3_600_000_000_000n, 'h'], [60_000_000_000n, 'min'], [1_000_000_000n, 's'], [1_000_000n, 'ms'], [1_000n, 'µs']];
  let text = `${a} ns`;
  for (const [size, unit] of units) {
    if (a >= size) {
      const whole = a / size;
      const frac = Number(a % size) / Number(size);
      const v = Number(whole) + frac;
      text = `${v >= 1000 ? Math.round(v).toString() : Number(v.toPrecision(4)).toString()} ${unit}`;
      break;
    }
  }
  return neg ? `-${text}` : text;
}

/** A deadline field (rd / wd / when): "-" none, "expired", or T0 + offset. */
function deadline(v: string, t0: bigint | null): string {
  const b = BigInt(v);
  if (b === 0n) return '-';
  if (b < 0n) return b === -1n ? 'expired' : `expired (${formatDuration(-b)} late)`;
  return at(b, t0);
}

function at(b: bigint, t0: bigint | null): string {
  if (t0 === null) return `${b} ns`;
  return b === t0 ? 'T0' : `T0+${formatDuration(b - t0)}`;
}

// ── sections ─────────────────────────────────────────────────────────────────

function summary(x: Inspection, t0: bigint | null, title: string): string[] {
  const l = x.layout;
  const c = x.counters;
  const descs = x.descriptors;
  const count = (f: (d: DescriptorView) => boolean): number => descs.reduce((n, d) => n + (f(d) ? 1 : 0), 0);
  const open = count((d) => d.state === 'open');
  const closing = count((d) => d.state === 'closing');
  const used = count((d) => d.state === 'free' && d.fdseq !== 0);
  const never = count((d) => d.state === 'free' && d.fdseq === 0);
  const lines = [
    `${title}: layout v${l.version}, header at 0x${l.headerBase.toString(16)}`,
    `  descriptors  ${open} open, ${closing} closing, ${used} free (used before), ${never} never used` +
      ` — ${c.descBlocks} block${c.descBlocks === 1 ? '' : 's'} of ${l.descPerBlock} × ${l.descSize} B`,
    `  timers       ${x.timers.length} in the heap (capacity ${c.timerBlocks * l.timerPerBlock}, ${c.timerBlocks} block${c.timerBlocks === 1 ? '' : 's'})` +
      (c.nextWhen !== '0' ? `, next deadline ${at(BigInt(c.nextWhen), t0)}` : ''),
    `  waiters      ${x.waiters} parked`,
  ];
  if (t0 !== null) lines.push(`  T0           ${t0} ns (monotonic): the earliest deadline; times below are relative to it`);
  lines.push(`  status       ${x.violations.length === 0 ? 'consistent' : `${x.violations.length} violation${x.violations.length === 1 ? '' : 's'} (see the end)`}`);
  return lines;
}

function sema(s: SemaState): string {
  switch (s.state) {
    case 'nil': return '-';
    case 'ready': return 'ready';
    case 'wait': return 'parking';
    case 'waiter': return `waiter ${s.token}`;
  }
}

function timerSlots(d: DescriptorView, timers: TimerView[]): string {
  const parts: string[] = [];
  if (d.rslot !== 0) {
    const t = timers[d.rslot - 1];
    parts.push(`${t?.kind === 'rw' ? 'rw' : 'r'}@${d.rslot - 1}`);
  }
  if (d.wslot !== 0) parts.push(`w@${d.wslot - 1}`);
  return parts.length ? parts.join(' ') : '-';
}

function notes(d: DescriptorView): string {
  const n: string[] = [];
  if (d.eventErr) n.push('EPOLLERR');
  // rrun / wrun stay set after a firing, as in Go: with no timer in the heap they mean "fired".
  if (d.rrun && d.rslot === 0) n.push(BigInt(d.rd) < 0n ? 'r fired' : 'rrun, no timer');
  if (d.wrun && d.wslot === 0) n.push(BigInt(d.wd) < 0n ? 'w fired' : 'wrun, no timer');
  return n.join(' ');
}

function descriptorTable(x: Inspection, t0: bigint | null): string[] {
  const shown = x.descriptors.filter((d) => !(d.state === 'free' && d.fdseq === 0));
  const never = x.descriptors.filter((d) => d.state === 'free' && d.fdseq === 0).map((d) => d.index);
  const lines = [`Descriptors (${shown.length} shown of ${x.descriptors.length})`];
  if (shown.length > 0) {
    const rows = shown.map((d) => [
      String(d.index), d.state === 'free' ? '-' : String(d.fd), String(d.fdseq), d.state,
      sema(d.rg), sema(d.wg), deadline(d.rd, t0), deadline(d.wd, t0), `${d.rseq}/${d.wseq}`, timerSlots(d, x.timers), notes(d),
    ]);
    append(lines, table(['index', 'fd', 'fdseq', 'state', 'rg', 'wg', 'rd', 'wd', 'rseq/wseq', 'timers', 'notes'], rows, [0, 1, 2]));
  }
  if (never.length > 0) lines.push(`  ${never.length} free descriptor${never.length === 1 ? '' : 's'} never used (fdseq 0): ${ranges(never)}`);
  return lines;
}

function freeListLines(x: Inspection, max: number): string[] {
  const list = x.freeList;
  if (list.length === 0) return ['Free list: empty'];
  const shown = ranges(list.slice(0, max), ' → ');
  const more = list.length > max ? ` → … (${list.length - max} more)` : '';
  return [`Free list (${list.length}, top first)`, `  ${shown}${more}`];
}

function heapTable(x: Inspection, t0: bigint | null): string[] {
  if (x.timers.length === 0) return ['Timer heap: empty'];
  const sorted = [...x.timers].sort((a, b) => {
    const wa = BigInt(a.when), wb = BigInt(b.when);
    if (wa !== wb) return wa < wb ? -1 : 1;
    return a.desc - b.desc || a.kind.localeCompare(b.kind);
  });
  const rows = sorted.map((t, i) => {
    const d = x.descriptors[t.desc];
    return [String(i + 1), deadline(t.when, t0), String(t.desc), d && d.state !== 'free' ? String(d.fd) : '?', t.kind, String(t.seq), String(t.slot)];
  });
  return [`Timer heap (${x.timers.length}, by deadline; slot = position in the 4-ary heap)`, ...table(['#', 'when', 'desc', 'fd', 'kind', 'seq', 'slot'], rows, [0, 2, 3, 5, 6])];
}

function counterTable(x: Inspection): string[] {
  const c = x.counters;
  const rows: [string, string, string][] = [
    ['inUse', String(c.inUse), 'descriptors allocated (open or closing)'],
    ['waiters', String(c.waiters), 'parked waiters'],
    ['timers', String(c.timers), 'heap entries'],
    ['nextWhen', c.nextWhen === '0' ? '0' : c.nextWhen, 'earliest armed deadline, ns (0: none)'],
    ['eventsSeen', String(c.eventsSeen), 'epoll events processed, ever'],
    ['staleEvents', String(c.staleEvents), 'events dropped by the fdseq check, ever'],
    ['wakeups', String(c.wakeups), 'ready-list entries written, ever'],
    ['timersFired', String(c.timersFired), 'heap entries that fired, ever'],
    ['readyLength', String(c.readyLength), 'entries written by the last waking call'],
    ['inconsistent', String(c.inconsistent), 'firings Go would have thrown on'],
    ['descBlocks', String(c.descBlocks), `descriptor blocks (${c.descBlocks * x.layout.descPerBlock} descriptors)`],
    ['timerBlocks', String(c.timerBlocks), `timer blocks (${c.timerBlocks * x.layout.timerPerBlock} entries)`],
  ];
  return ['Counters', ...table(['counter', 'value', 'meaning'], rows, [1])];
}

function violationLines(x: Inspection): string[] {
  if (x.violations.length === 0) return ['Violations: none (the snapshot is consistent)'];
  return [`Violations (${x.violations.length})`, ...table(['rule', 'message'], x.violations.map((v) => [v.rule, v.message]), [])];
}

// ── helpers ──────────────────────────────────────────────────────────────────

/** "0, 2, 4–63": runs of three or more consecutive ascending indices collapse. */
export function ranges(list: readonly number[], sep = ', '): string {
  const parts: string[] = [];
  let i = 0;
  while (i < list.length) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${list[i]}–${list[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(list[k]));
    i = j + 1;
  }
  return parts.join(sep);
}

/** Columns padded to their widest cell; columns in `right` are right-aligned. Two-space indent. */
export function table(head: string[], rows: string[][], right: number[]): string[] {
  // A loop, not Math.max(...rows): a large snapshot has more rows than the call stack has room for arguments.
  const width = head.map((h, i) => rows.reduce((w, r) => Math.max(w, len(r[i] ?? '')), len(h)));
  const last = head.length - 1;
  const line = (cells: string[]): string =>
    '  ' + cells.map((c, i) => (right.includes(i) ? pad(c, width[i]!, true) : i === last ? c : pad(c, width[i]!, false))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

function len(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, left: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - len(s)));
  return left ? fill + s : s + fill;
}

/** Append without spreading: a spread of a million lines overflows the call stack. */
function append(into: string[], lines: readonly string[]): void {
  for (const line of lines) into.push(line);
}
