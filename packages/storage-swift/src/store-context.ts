import type { SwiftClient } from "./swift-client.js";
import { describeObject, type FailureContext } from "./map-error.js";

/** What the operations of one store share. */
export interface StoreContext {
  client: SwiftClient;
  container: string;
  /** `<container>_segments`, where Static Large Object segments live. */
  segmentsContainer: string;
  segmentSize: number;
  largeObjectThreshold: number;
  /** `swift:<container>`, the store label of errors. */
  label: string;
  /** Creates the container (or the segments one) once, when the store may create it. */
  ensureContainer(which: "main" | "segments"): Promise<void>;
  /** Clock in ms since the epoch. */
  now: () => number;
  /**
   * The last listing of the segments container by segment base, which bulk deletes reuse
   * and plain puts consult for a while (see `segmentIndex`); this store's writes update it.
   */
  segmentIndex?:
    { listedAt: number; byBase: Promise<Map<string, string[]>> } | undefined;
}

/** The failure context of an operation on `key` (or on the container when no key). */
export function at(
  ctx: StoreContext,
  op: string,
  key?: string,
  container = ctx.container,
): FailureContext {
  const what =
    key === undefined
      ? `container ${JSON.stringify(container)}`
      : describeObject(container, key);
  return { store: ctx.label, op, what, key };
}
