/**
 * Node-style argument errors (the codes Node's own APIs throw), for the
 * toolkit's validation: each is raised before any system call, so a call
 * refused for a bad argument has changed nothing.
 */

type Coded<E extends Error> = E & { code: string };

function coded<E extends Error>(err: E, code: string): Coded<E> {
  return Object.assign(err, { code });
}

/** TypeError ERR_INVALID_ARG_TYPE: `name` must be `expected`. */
export function invalidArgType(name: string, expected: string, got: unknown): Coded<TypeError> {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(got)}`), 'ERR_INVALID_ARG_TYPE');
}

/** TypeError ERR_INVALID_ARG_VALUE: `name` has a value of the right type that is not allowed. */
export function invalidArgValue(name: string, got: unknown, reason: string): Coded<TypeError> {
  return coded(new TypeError(`The argument '${name}' ${reason}. Received ${describe(got)}`), 'ERR_INVALID_ARG_VALUE');
}

/** RangeError ERR_OUT_OF_RANGE: `name` must be within `range`. */
export function outOfRange(name: string, range: string, got: unknown): Coded<RangeError> {
  return coded(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${describe(got)}`), 'ERR_OUT_OF_RANGE');
}

/** An integer in [min, max], or ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE. */
export function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
  if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(name, `an integer >= ${min} and <= ${max}`, v);
  return v;
}

/** A boolean, or ERR_INVALID_ARG_TYPE. */
export function checkBool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalidArgType(name, 'of type boolean', v);
  return v;
}

/** One of `allowed`, or ERR_INVALID_ARG_VALUE. */
export function checkOneOf<T>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw invalidArgValue(name, v, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v === 'bigint' ? `${v}n` : String(v)}`;
  return `type ${typeof v}`;
}
