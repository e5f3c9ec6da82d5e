// Argument checks shared by the API, with messages that name the op and what it got.

/** A short description of a bad argument for an error message: its type and, for primitives, its value. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  return typeof x === 'string' ? `the string ${JSON.stringify(x)}` : `${typeof x} ${String(x)}`;
}

export function checkNumber(x: unknown, opName: string): asserts x is number {
  if (typeof x !== 'number') throw new TypeError(`${opName}: expected a number, got ${describe(x)}`);
}

export function checkName(name: unknown, opName: string): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${opName}: the name must be a string, got ${describe(name)}`);
}
