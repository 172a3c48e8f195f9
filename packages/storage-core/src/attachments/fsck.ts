import type { Leftover, ListEntry } from "../object-store.js";
import type { IndexedRef } from "./attachment-index.js";
import type { AttachmentsContext } from "./context.js";
import { parseRef, type StoreRef } from "./refs.js";

/** One problem {@link checkStorage} found. */
export type FsckFinding =
  | { kind: "missing"; ref: string; ids: string[] }
  | {
      kind: "size-mismatch";
      ref: string;
      ids: string[];
      recorded: number[];
      stored: number;
    }
  | { kind: "unreadable"; location: string; ids: string[]; reason: string }
  | {
      kind: "orphan";
      ref: string;
      size: number;
      lastModified?: Date;
    }
  | {
      /** An upload cut short: an S3 multipart upload, Swift segments without a manifest. */
      kind: "leftover";
      /** The write bucket/container, e.g. `s3://acme-odoo-prod`. */
      location: string;
      leftover: Leftover;
    };

/** What {@link checkStorage} reports. */
export interface FsckReport {
  /** Refs of the index checked against a listing. */
  refsChecked: number;
  /** Objects listed in the stores. */
  objectsListed: number;
  /** The problems, in location then key order. */
  findings: FsckFinding[];
  /** True when an attachment's bytes are missing, of the wrong size or unreadable. */
  broken: boolean;
}

/** Options of {@link checkStorage}. */
export interface FsckOptions {
  /** Called for each finding as it is found. */
  onFinding?: (finding: FsckFinding) => void;
  /** Called every listing page with the running counts. */
  onProgress?: (progress: {
    refsChecked: number;
    objectsListed: number;
  }) => void;
  /** Listing page size. @default 1000 */
  pageSize?: number;
  signal?: AbortSignal;
}

function locationRef(location: string): StoreRef {
  // A location is `file`, `db`, `s3://bucket` or `swift://container`: parse it with a key.
  return parseRef(location.includes("://") ? `${location}/x` : `${location}:x`);
}

function refPrefix(location: string): string {
  return location.includes("://") ? `${location}/` : `${location}:`;
}

/** The index's refs of one location, paged, in key order. */
async function* indexedRefs(
  ctx: AttachmentsContext,
  prefix: string,
  pageSize: number,
): AsyncGenerator<IndexedRef> {
  const listRefs = ctx.index.listRefs?.bind(ctx.index);
  if (!listRefs) throw new Error("this attachment index cannot list refs");
  let after: string | undefined;
  for (;;) {
    const page = await listRefs(
      after === undefined
        ? { prefix, limit: pageSize }
        : { prefix, after, limit: pageSize },
    );
    yield* page;
    if (page.length < pageSize) return;
    after = page.at(-1)?.ref;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Checks every ref of the index against its store by listing: each location's bucket (or
 * filestore, or database store) is paged through in key order and merged with the index's
 * refs in the same order, so a check costs a list page per thousand objects, never a HEAD per
 * object. Reports missing objects, size mismatches and locations that cannot be read; in our
 * own stores only, objects no attachment references (orphans). Foreign buckets (an
 * integration copy reading prod's) are listed read-only and never yield orphans.
 */
export async function checkStorage(
  ctx: AttachmentsContext,
  options: FsckOptions = {},
): Promise<FsckReport> {
  const report: FsckReport = {
    refsChecked: 0,
    objectsListed: 0,
    findings: [],
    broken: false,
  };
  const found = (finding: FsckFinding): void => {
    report.findings.push(finding);
    if (finding.kind !== "orphan" && finding.kind !== "leftover")
      report.broken = true;
    options.onFinding?.(finding);
  };
  const locations = new Set((await ctx.index.stats()).map((s) => s.location));
  const write = ctx.router.ownedObjectLocation();
  if (write !== undefined) locations.add(write);
  for (const location of [...locations].sort()) {
    options.signal?.throwIfAborted();
    await checkLocation(ctx, location, report, found, options);
  }
  return report;
}

async function checkLocation(
  ctx: AttachmentsContext,
  location: string,
  report: FsckReport,
  found: (finding: FsckFinding) => void,
  options: FsckOptions,
): Promise<void> {
  const pageSize = options.pageSize ?? 1000;
  const prefix = refPrefix(location);
  let store;
  let ref: StoreRef;
  try {
    ref = locationRef(location);
    store = ctx.router.forRead(ref);
  } catch (error) {
    const ids: string[] = [];
    for await (const indexed of indexedRefs(ctx, prefix, pageSize))
      ids.push(...indexed.ids);
    if (ids.length > 0)
      found({ kind: "unreadable", location, ids, reason: reasonOf(error) });
    return;
  }
  // Orphans only where the bytes are ours: the object write bucket, never a foreign one.
  const owned =
    (ref.scheme === "s3" || ref.scheme === "swift") && ctx.router.isOwned(ref);
  const listOptions = options.signal
    ? { pageSize, signal: options.signal }
    : { pageSize };
  const listed = store.list("", listOptions);
  const listing = listed[Symbol.asyncIterator]();
  const refs = indexedRefs(ctx, prefix, pageSize);
  const nextObject = async (): Promise<ListEntry | undefined> => {
    const next = await listing.next();
    if (next.done === true) return undefined;
    report.objectsListed += 1;
    if (report.objectsListed % pageSize === 0) options.onProgress?.(report);
    return next.value;
  };
  const nextRef = async (): Promise<IndexedRef | undefined> => {
    const next = await refs.next();
    if (next.done === true) return undefined;
    report.refsChecked += 1;
    return next.value;
  };
  let object: ListEntry | undefined;
  let indexed: IndexedRef | undefined;
  try {
    [object, indexed] = await Promise.all([nextObject(), nextRef()]);
  } catch (error) {
    // The listing itself failed (no such bucket, no permission): every ref here is unreadable.
    const ids: string[] = [...(indexed?.ids ?? [])];
    for await (const rest of refs) ids.push(...rest.ids);
    found({ kind: "unreadable", location, ids, reason: reasonOf(error) });
    return;
  }
  // Invariant: `object` and `indexed` are the smallest keys not yet merged on each side.
  while (object !== undefined || indexed !== undefined) {
    const refKey = indexed?.ref.slice(prefix.length);
    if (object === undefined || (refKey !== undefined && refKey < object.key)) {
      if (indexed)
        found({ kind: "missing", ref: indexed.ref, ids: indexed.ids });
      indexed = await nextRef();
    } else if (refKey === undefined || object.key < refKey) {
      if (owned)
        found({
          kind: "orphan",
          ref: prefix + object.key,
          size: object.size,
          ...(object.lastModified ? { lastModified: object.lastModified } : {}),
        });
      object = await nextObject();
    } else {
      if (indexed && indexed.sizes.some((size) => size !== object?.size))
        found({
          kind: "size-mismatch",
          ref: indexed.ref,
          ids: indexed.ids,
          recorded: indexed.sizes,
          stored: object.size,
        });
      [object, indexed] = await Promise.all([nextObject(), nextRef()]);
    }
  }
  options.onProgress?.(report);
  // What cut uploads left outside any object, in our own bucket only.
  if (owned && store.listLeftovers)
    for await (const leftover of store.listLeftovers(
      options.signal ? { signal: options.signal } : {},
    ))
      found({ kind: "leftover", location, leftover });
}
