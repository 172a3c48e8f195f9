/**
 * Reads a `Range` header for one byte range of an object of `size` bytes. Returns
 * `undefined` to serve the whole object (no header, several ranges, another unit, or an
 * `If-Range` that no longer matches), or `'unsatisfiable'` for a 416.
 */
export function parseRange(
  header: string | undefined,
  size: number,
  ifRange: string | undefined,
  etag: string,
): { start: number; end: number } | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // suffix range: the last N bytes
    const n = Number(last);
    if (n === 0) return "unsatisfiable";
    return size === 0
      ? "unsatisfiable"
      : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}
