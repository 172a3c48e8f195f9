/**
 * Marks `error` with the registered symbol `Symbol.for(key)`: two copies of a package (two
 * versions in one tree) share it, where `instanceof` fails across copies.
 */
export function brand(error: object, key: string): void {
  Object.defineProperty(error, Symbol.for(key), { value: true });
}

/**
 * True when `error` carries the brand `key` ({@link brand}), optionally with the given
 * `code`: the guard of an error class that survives two copies of its package.
 */
export function hasBrand(error: unknown, key: string, code?: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  return (
    (error as Record<symbol, unknown>)[Symbol.for(key)] === true &&
    (code === undefined || (error as { code?: unknown }).code === code)
  );
}
