/**
 * Argument checks, and the errors they throw, in Node's own shape: what
 * `fs`, `net` and the other built-ins throw for a bad argument, with the same
 * `code` and message form, so callers can branch on `err.code`:
 *
 *   ERR_INVALID_ARG_TYPE   (a TypeError)  the value has the wrong type
 *   ERR_INVALID_ARG_VALUE  (a TypeError)  the type is right, the value is not allowed
 *   ERR_OUT_OF_RANGE       (a RangeError) a number outside its range, or not an integer
 *
 * They stay TypeError / RangeError (and `name` says so, as with Node's), so
 * code that catches those keeps working. Every check runs before the
 * operation does anything: a refused call has changed nothing.
 *
 * This file imports nothing of the project's, so any layer may use it.
 */
import { inspect } from 'node:util';

/** Node's `Received …` tail for a wrong type: the type, with a short rendering of the value. */
function receivedType(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name ? ` Received an instance of ${name}` : ' Received an object';
  }
  let shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? `'${value}'` : String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

/** A value as Node's range and value errors print it (util.inspect), kept short: it may be anything a caller passed. */
function shown(value: unknown): string {
  return inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 8, maxStringLength: 64 });
}

/** ERR_INVALID_ARG_TYPE: `name` is not of the `expected` type, e.g. 'of type number', 'an instance of Uint8Array'. */
export class InvalidArgTypeError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_TYPE';
  constructor(name: string, expected: string, actual: unknown) {
    super(`The "${name}" argument must be ${expected}.${receivedType(actual)}`);
  }
}

/** ERR_INVALID_ARG_VALUE: `name` has the right type but a value that is not allowed (`reason` says which are). */
export class InvalidArgValueError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_VALUE';
  constructor(name: string, actual: unknown, reason = 'is invalid') {
    super(`The argument '${name}' ${reason}. Received ${shown(actual)}`);
  }
}

/** ERR_OUT_OF_RANGE: the number `name` is outside `range` (e.g. 'an integer', '>= 0 && <= 255'). */
export class OutOfRangeError extends RangeError {
  readonly code = 'ERR_OUT_OF_RANGE';
  constructor(name: string, range: string, actual: unknown) {
    super(`The value of "${name}" is out of range. It must be ${range}. Received ${shown(actual)}`);
  }
}

/** The largest fd number: an fd is a C int, and a negative one is never open. */
export const FD_MAX = 0x7fff_ffff;

/** `value` is an integer in [min, max]: ERR_INVALID_ARG_TYPE for a non-number, ERR_OUT_OF_RANGE for the rest. */
export function validateInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number') throw new InvalidArgTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw new OutOfRangeError(name, 'an integer', value);
  if (value < min || value > max) throw new OutOfRangeError(name, `>= ${min} && <= ${max}`, value);
}

/**
 * A file descriptor: an integer with 0 <= fd <= 2^31 - 1, checked before any
 * system call sees it. The C side takes an int, and the FFI would turn NaN,
 * 0.9 or 2^32 into 0 — stdin — and 1.9 into 1; so every exported function
 * that takes an fd checks it here first (Node's fs runs the same check,
 * validateInt32(fd, 'fd', 0)). -0 is the integer 0, as in Node, where
 * fs.closeSync(-0) closes fd 0: `-0 === 0`, and refusing it would refuse
 * arithmetic that happens to produce it.
 */
export function validateFd(fd: unknown, name = 'fd'): asserts fd is number {
  validateInteger(fd, name, 0, FD_MAX);
}

/** A Uint8Array (a Buffer is one). Every buffer handed to the FFI passes here: a number there would be taken as an address. */
export function validateBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgTypeError(name, 'an instance of Uint8Array or Buffer', value);
}

/** One of `allowed` (compared with ===): ERR_INVALID_ARG_VALUE otherwise. */
export function validateOneOf<T>(value: unknown, name: string, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) throw new InvalidArgValueError(name, value, `must be one of: ${allowed.map(shown).join(', ')}`);
}

/** validateInteger, returning the value: for arguments read once into a local. */
export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  validateInteger(value, name, min, max);
  return value;
}

/** A string, else ERR_INVALID_ARG_TYPE. */
export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new InvalidArgTypeError(name, 'of type string', value);
  return value;
}

/** A boolean, else ERR_INVALID_ARG_TYPE; returns it. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgTypeError(name, 'of type boolean', value);
  return value;
}

/** validateOneOf, returning the value. */
export function checkOneOf<T>(value: unknown, name: string, allowed: readonly T[]): T {
  validateOneOf(value, name, allowed);
  return value;
}
