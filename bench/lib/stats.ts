/** Small helpers shared by the comparison benchmarks. */

/** The median (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `value` with `digits` decimals, or `n/a`. */
export function fixed(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value)
    ? "n/a"
    : value.toFixed(digits);
}

/** A markdown table. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

/** A positive whole number from the environment, else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Progress on stderr (stdout carries only the table). */
export function progressLogger(name: string): (line: string) => void {
  return (line) => process.stderr.write(`${name} bench: ${line}\n`);
}
