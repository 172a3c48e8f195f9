import type { Histogram } from "prom-client";

/** What prom-client 15 keeps per series of a histogram (without exemplars). */
interface SeriesEntry {
  labels: object;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

interface HistogramInternals {
  hashMap?: Record<string, SeriesEntry | undefined>;
  upperBounds?: number[];
}

interface Known {
  hash: string;
  entry: SeriesEntry;
}

/**
 * `histogram.observe(labels, value)` for label objects handed out again and again (the label
 * cap interns them): prom-client builds the series' key string from the label values and
 * validates every label on each call; here that is done once per label object, and later
 * observations add to the series found then. While the series is no longer the one in the
 * histogram (after a `reset()`), or prom-client keeps its values differently, every call goes
 * through `observe` as before.
 */
export function internedObserve<L extends string>(
  histogram: Histogram<L>,
): (labels: Readonly<Record<L, string>>, value: number) => void {
  const internals = histogram as unknown as HistogramInternals;
  const known = new WeakMap<object, Known>();
  const bounds = internals.upperBounds;
  return (labels, value) => {
    const map = internals.hashMap;
    const found = known.get(labels);
    if (
      found !== undefined &&
      map !== undefined &&
      map[found.hash] === found.entry &&
      bounds !== undefined &&
      Number.isFinite(value)
    ) {
      const entry = found.entry;
      entry.sum += value;
      entry.count += 1;
      // The first bucket the value fits in; above them all it counts in +Inf (= count) only.
      for (const bound of bounds) {
        if (value > bound) continue;
        if (Object.hasOwn(entry.bucketValues, bound))
          entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + 1;
        break;
      }
      return;
    }
    histogram.observe(labels, value);
    if (map === undefined || internals.hashMap !== map) return;
    for (const hash in map) {
      const entry = map[hash];
      if (entry?.labels === labels && isEntry(entry)) {
        known.set(labels, { hash, entry });
        return;
      }
    }
  };
}

function isEntry(entry: SeriesEntry): boolean {
  return (
    typeof entry.sum === "number" &&
    typeof entry.count === "number" &&
    typeof entry.bucketValues === "object"
  );
}
