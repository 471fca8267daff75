// JSON output in pieces, for values too large for one string.
//
// JSON.stringify builds the whole text as one string, and V8 caps a string's
// length (about 2^29 characters): an Inspection of a million descriptors is
// past it. jsonChunks yields the same text as JSON.stringify(value, null, indent),
// in pieces: arrays, and objects that hold an array somewhere inside, are
// walked member by member; anything else (a descriptor record, a counter
// table) is small and goes through JSON.stringify, re-indented for its depth.
// The values are plain data (what decodeSnapshot returns): no toJSON, no
// BigInt, no cycles.

/** Pieces of JSON.stringify(value, null, indent); `value` must be plain JSON data. */
export function* jsonChunks(value: unknown, indent = 2): Generator<string> {
  yield* piece(value, ' '.repeat(indent), '');
}

function* piece(value: unknown, step: string, pad: string): Generator<string> {
  if (!holdsArray(value)) {
    yield small(value, step, pad);
    return;
  }
  const inner = pad + step;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i === 0 ? '' : ','}\n${inner}`;
      const v = value[i];
      // JSON.stringify writes null for what it cannot represent inside an array.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null';
      else yield* piece(v, step, inner);
    }
    yield `\n${pad}]`;
    return;
  }
  let first = true;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue; // skipped, as JSON.stringify does
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* piece(v, step, inner);
  }
  yield first ? '{}' : `\n${pad}}`;
}

/** JSON.stringify of a value with nothing large inside, indented to sit at `pad`. */
function small(value: unknown, step: string, pad: string): string {
  const text = JSON.stringify(value, null, step);
  // JSON escapes newlines inside strings, so every "\n" in the text is a line break between members.
  return pad === '' || text === undefined ? text : text.replaceAll('\n', `\n${pad}`);
}

/** Whether the value is an array, or an object holding one (at any depth through objects). */
function holdsArray(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  for (const k in value) {
    if (holdsArray((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/**
 * Write `value` as JSON (with a final newline) to `out`, in chunks of about
 * `chunkChars` characters, waiting for 'drain' when the stream's buffer is
 * full, so memory stays bounded by the chunk size whatever the value's.
 */
export async function writeJson(value: unknown, out: NodeJS.WritableStream, opts: { indent?: number; chunkChars?: number } = {}): Promise<void> {
  const limit = opts.chunkChars ?? 1 << 16;
  let pending: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const text = pending.join('');
    pending = [];
    size = 0;
    if (!out.write(text)) await waitDrain(out);
  };
  for (const s of jsonChunks(value, opts.indent ?? 2)) {
    pending.push(s);
    size += s.length;
    if (size >= limit) await flush();
  }
  pending.push('\n');
  await flush();
}

function waitDrain(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onDrain);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onError = (err: Error): void => done(err);
    out.once('drain', onDrain);
    out.once('error', onError);
    out.once('close', onDrain);
  });
}
