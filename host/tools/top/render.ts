// The text of one `netpoll top` screen. Pure: a View in, lines out, with
// control characters from the frame made visible (visible.ts).

import type { View } from './model.js';
import type { DescriptorFrame, PollerFrame } from '../../inspector/protocol.js';
import { formatDuration } from '../../inspect/format.js';
import { visible } from './visible.js';

export const SORT_KEYS = ['parked', 'fd', 'waits', 'deadline'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface RenderOptions {
  sort: SortKey;
  /** Only descriptors whose fd (as text) contains this, or whose poller id equals it as "pN". */
  filter: string;
  /** Screen size; rows limit the descriptor table. */
  columns: number;
  rows: number;
  /** A prompt line at the bottom (the filter being typed), or null. */
  prompt: string | null;
  source: string;
}

const dur = (msv: number | null): string => (msv === null ? '-' : formatDuration(BigInt(Math.round(msv * 1e6))));
const rate = (v: number | undefined): string => (v === undefined ? '—' : v >= 100 ? Math.round(v).toString() : v.toFixed(1));
const parkedOf = (d: DescriptorFrame): number => Math.max(d.parkedMs.r ?? -1, d.parkedMs.w ?? -1);
const soonest = (d: DescriptorFrame): number => Math.min(d.rInMs ?? Infinity, d.wInMs ?? Infinity);
const waitsOf = (d: DescriptorFrame): number => Object.values(d.waits).reduce((a, b) => a + b, 0);

function compare(sort: SortKey): (a: Row, b: Row) => number {
  switch (sort) {
    case 'parked': return (a, b) => parkedOf(b.d) - parkedOf(a.d) || a.d.fd - b.d.fd;
    case 'fd': return (a, b) => a.d.fd - b.d.fd || a.p - b.p;
    case 'waits': return (a, b) => waitsOf(b.d) - waitsOf(a.d) || a.d.fd - b.d.fd;
    case 'deadline': return (a, b) => soonest(a.d) - soonest(b.d) || a.d.fd - b.d.fd;
  }
}

interface Row { p: number; d: DescriptorFrame }

function pad(s: string, n: number, right = false): string {
  if (s.length >= n) return s.slice(0, n);
  return right ? s.padStart(n) : s.padEnd(n);
}

function latencyLine(p: PollerFrame): string {
  const l = p.latency;
  if (l.count === 0) return 'wake latency: no samples yet';
  const f = (ns: number): string => formatDuration(BigInt(Math.round(ns)));
  return `wake latency: p50 ${f(l.p50Ns)} · p90 ${f(l.p90Ns)} · p99 ${f(l.p99Ns)} · max ${f(l.maxNs)} (${l.count} wakes)`;
}

/** A frame's free text with control characters (terminal escapes) shown as '?'. */
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export function renderView(v: View, o: RenderOptions): string[] {
  const f = v.frame;
  const lines: string[] = [];
  const t = v.totals;
  const rssMiB = (f.process.rss / 1048576).toFixed(1);
  lines.push(`netpoll top — pid ${f.pid} · ${o.source} · ${new Date(f.timeMs).toISOString().slice(11, 19)} UTC · rss ${rssMiB} MiB`);
  lines.push(`totals: events/s ${rate(t?.eventsPerS)} · wake-ups/s ${rate(t?.wakeupsPerS)} · timers fired/s ${rate(t?.timersPerS)} · stale/s ${rate(t?.stalePerS)}`);
  for (const pv of v.pollers) {
    const p = pv.frame;
    const c = p.counters;
    const oc = p.outcomes;
    lines.push(
      `poller ${p.id} (${p.drive}${typeof p.io === 'string' ? `, io ${printable(p.io)}` : ''}): ${c.inUse} descriptors · ${c.waiters} parked · ${c.timers} timers · events ${c.eventsSeen} · wake-ups ${c.wakeups} · fired ${c.timersFired} · stale ${c.staleEvents}` +
        ` · waits ready ${oc.ready} timeout ${oc.timeout} closed ${oc.closed} aborted ${oc.aborted} error ${oc.error}`,
    );
    lines.push(`  ${latencyLine(p)}`);
  }
  lines.push('');
  lines.push(`warnings (${v.warnings.length}):`);
  const maxWarnings = 6;
  for (const w of v.warnings.slice(0, maxWarnings)) lines.push(`  ! ${w.message}`);
  if (v.warnings.length > maxWarnings) lines.push(`  … ${v.warnings.length - maxWarnings} more`);
  if (v.warnings.length === 0) lines.push('  none');
  lines.push('');
  const timers = v.pollers.flatMap((pv) => pv.frame.timers.map((x) => ({ p: pv.frame.id, ...x }))).sort((a, b) => a.inMs - b.inMs).slice(0, 3);
  lines.push(`deadlines due soonest: ${timers.length === 0 ? 'none' : timers.map((x) => `fd ${x.fd} ${x.kind} ${x.inMs < 0 ? `${dur(-x.inMs)} ago` : `in ${dur(x.inMs)}`}`).join(' · ')}`);
  lines.push('');
  let rows: Row[] = v.pollers.flatMap((pv) => pv.frame.descriptors.map((d) => ({ p: pv.frame.id, d })));
  if (o.filter) rows = rows.filter((r) => String(r.d.fd).includes(o.filter) || `p${r.p}` === o.filter);
  rows.sort(compare(o.sort));
  const shown = v.pollers.reduce((a, pv) => a + pv.frame.descriptors.length, 0);
  const total = v.pollers.reduce((a, pv) => a + pv.frame.descriptorsTotal, 0);
  lines.push(`descriptors (sort: ${o.sort}${o.filter ? ` · filter: ${o.filter}` : ''} · ${rows.length} of ${total}${shown < total ? `, ${total - shown} not sent` : ''})`);
  lines.push(`${pad('POLLER', 7)}${pad('FD', 7, true)}  ${pad('STATE', 8)}${pad('PARKED R', 11, true)}${pad('PARKED W', 11, true)}${pad('DEADLINE R', 14, true)}${pad('DEADLINE W', 14, true)}${pad('WAITS', 7, true)}${pad('TIMEOUTS', 9, true)}  NOTE`);
  const room = Math.max(1, o.rows - lines.length - 2);
  for (const { p, d } of rows.slice(0, room)) {
    const note = d.waited ? '' : 'never waited';
    lines.push(
      `${pad(`p${p}`, 7)}${pad(String(d.fd), 7, true)}  ${pad(d.closing ? 'closing' : d.state, 8)}${pad(parkedText(d, 'r'), 11, true)}${pad(parkedText(d, 'w'), 11, true)}` +
        `${pad(deadlineText(d.rd, d.rInMs), 14, true)}${pad(deadlineText(d.wd, d.wInMs), 14, true)}${pad(String(waitsOf(d)), 7, true)}${pad(String(d.waits.timeout), 9, true)}  ${note}`,
    );
  }
  if (rows.length > room) lines.push(`  … ${rows.length - room} more`);
  if (o.prompt !== null) lines.push(o.prompt);
  // Frame text made visible before the width cut, so an escape cannot be cut in half into something raw.
  return lines.map(visible).map((l) => (l.length > o.columns ? l.slice(0, o.columns) : l));
}

/** The current wait's length; "?" when the core holds a waiter the inspector did not see start (it attached later). */
function parkedText(d: DescriptorFrame, m: 'r' | 'w'): string {
  if (!d.parked[m]) return '-';
  const v = d.parkedMs[m];
  return v === null ? '?' : `${d.parkedAtLeast[m] ? '≥' : ''}${dur(v)}`;
}

function deadlineText(raw: string, inMs: number | null): string {
  if (inMs === null) return '-';
  if (raw.startsWith('-')) return 'expired';
  return inMs < 0 ? `${dur(-inMs)} ago` : `in ${dur(inMs)}`;
}

export const KEYS_HELP = 'keys: s sort · / filter · q quit';
