/**
 * Argument errors shaped like Node's own (`code` ERR_INVALID_ARG_TYPE,
 * ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE), for the toolkit's validation:
 * each is thrown before anything is created or changed, so a refused call
 * leaves no state behind.
 */

export class InvalidArgTypeError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_TYPE';
  constructor(name: string, expected: string, value: unknown) {
    super(`The "${name}" argument must be ${expected}. Received ${describe(value)}`);
    this.name = 'TypeError';
  }
}

export class InvalidArgValueError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_VALUE';
  constructor(name: string, value: unknown, reason: string) {
    super(`The argument '${name}' ${reason}. Received ${describe(value)}`);
    this.name = 'TypeError';
  }
}

export class OutOfRangeError extends RangeError {
  readonly code = 'ERR_OUT_OF_RANGE';
  constructor(name: string, range: string, value: unknown) {
    super(`The value of "${name}" is out of range. It must be ${range}. Received ${describe(value)}`);
    this.name = 'RangeError';
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return `an instance of ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'Object'}`;
}

/** An integer in [min, max], else OutOfRangeError (InvalidArgTypeError for a non-number). */
export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new InvalidArgTypeError(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) throw new OutOfRangeError(name, `an integer >= ${min} and <= ${max}`, value);
  return value;
}

/** A string, else InvalidArgTypeError. */
export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new InvalidArgTypeError(name, 'of type string', value);
  return value;
}
