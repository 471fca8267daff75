// A fresh, plain Uint8Array over the same bytes as an untrusted input, or null.
//
// A decoder that reads `bytes.byteLength`, `bytes.buffer` or `bytes[i]` from
// what a caller passed runs the caller's code: a subclass can override the
// getters (a byteLength that lies), a Proxy can answer anything, and a
// detached buffer throws TypeError from the DataView constructor. So the
// input is checked through the engine's own internal slots — ArrayBuffer.isView,
// and the %TypedArray%.prototype getters captured here at load time, which a
// subclass or an own property cannot intercept — and decoding then reads only
// a new view built from those values. No bytes are copied, and nothing the
// caller defined runs while the view is in use (decoding is synchronous).

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;

function getter(name: string | symbol): (this: unknown) => unknown {
  const d = Object.getOwnPropertyDescriptor(TypedArrayProto, name);
  if (!d?.get) throw new Error(`%TypedArray%.prototype has no ${String(name)} getter`);
  return d.get;
}

const tagOf = getter(Symbol.toStringTag);
const bufferOf = getter('buffer');
const byteOffsetOf = getter('byteOffset');
const byteLengthOf = getter('byteLength');
const isView = ArrayBuffer.isView;
const Uint8 = Uint8Array;

/** A plain Uint8Array over `input`'s bytes if it is a genuine Uint8Array (Buffer included) over live memory; else null. */
export function ownView(input: unknown): Uint8Array | null {
  if (!isView(input)) return null; // a Proxy is not a view, whatever its target
  if (tagOf.call(input) !== 'Uint8Array') return null; // a DataView or another element type
  try {
    const buffer = bufferOf.call(input) as ArrayBufferLike;
    const offset = byteOffsetOf.call(input) as number;
    const length = byteLengthOf.call(input) as number;
    // A detached buffer reports length 0 and throws here.
    return new Uint8(buffer, offset, length);
  } catch {
    return null;
  }
}
