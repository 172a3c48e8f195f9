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
  /**
   * The problems, in location then key order. Empty when {@link FsckOptions.keepFindings} is
   * false (then only {@link FsckOptions.onFinding} sees them, and {@link counts} counts them).
   */
  findings: FsckFinding[];
  /** How many findings of each kind, kept or not. */
  counts: Partial<Record<FsckFinding["kind"], number>>;
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
  /**
   * Keep every finding in {@link FsckReport.findings}. A caller that streams them through
   * {@link onFinding} passes `false`: a bucket with millions of orphans then costs no memory
   * per orphan. @default true
   */
  keepFindings?: boolean;
  signal?: AbortSignal;
}

function locationRef(location: string): StoreRef {
  // A location is `file`, `db`, `s3://bucket` or `swift://container`: parse it with a key.
  return parseRef(location.includes("://") ? `${location}/x` : `${location}:x`);
}

function refPrefix(location: string): string {
  return location.includes("://") ? `${location}/` : `${location}:`;
}

/**
 * The index's refs of one location, paged, in key order: `next()` is synchronous within a
 * page and awaits only to fetch the next one (the merge calls it once per ref).
 */
function indexedRefs(
  ctx: AttachmentsContext,
  prefix: string,
  pageSize: number,
): { next: () => IndexedRef | Promise<IndexedRef | undefined> | undefined } {
  const listRefs = ctx.index.listRefs?.bind(ctx.index);
  if (!listRefs) throw new Error("this attachment index cannot list refs");
  let page: IndexedRef[] = [];
  let at = 0;
  let last = false;
  let after: string | undefined;
  const fetchPage = async (): Promise<IndexedRef | undefined> => {
    page = await listRefs(
      after === undefined
        ? { prefix, limit: pageSize }
        : { prefix, after, limit: pageSize },
    );
    at = 0;
    last = page.length < pageSize;
    after = page.at(-1)?.ref;
    return page.length > 0 ? page[at++] : undefined;
  };
  return {
    next: () => {
      if (at < page.length) return page[at++];
      if (last) return undefined;
      return fetchPage();
    },
  };
}

/** Every remaining ref of `refs`. */
async function* remaining(
  refs: ReturnType<typeof indexedRefs>,
): AsyncGenerator<IndexedRef> {
  for (let ref = await refs.next(); ref !== undefined; ref = await refs.next())
    yield ref;
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
 *
 * Memory: one listing page and one index page at a time, whatever the bucket's size; the
 * findings too unless {@link FsckOptions.keepFindings} is false. The merge is called once per
 * object, so it allocates as little as it can per call (the index side awaits only per page).
 */
export async function checkStorage(
  ctx: AttachmentsContext,
  options: FsckOptions = {},
): Promise<FsckReport> {
  const report: FsckReport = {
    refsChecked: 0,
    objectsListed: 0,
    findings: [],
    counts: {},
    broken: false,
  };
  const keep = options.keepFindings ?? true;
  const found = (finding: FsckFinding): void => {
    if (keep) report.findings.push(finding);
    report.counts[finding.kind] = (report.counts[finding.kind] ?? 0) + 1;
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
    for await (const indexed of remaining(indexedRefs(ctx, prefix, pageSize)))
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
  // Once per ref, and synchronous within a page: a promise only when a page is fetched.
  const nextRef = ():
    IndexedRef | Promise<IndexedRef | undefined> | undefined => {
    const next = refs.next();
    if (next instanceof Promise)
      return next.then((fetched) => {
        if (fetched !== undefined) report.refsChecked += 1;
        return fetched;
      });
    if (next !== undefined) report.refsChecked += 1;
    return next;
  };
  let object: ListEntry | undefined;
  try {
    object = await nextObject();
  } catch (error) {
    // The listing itself failed (no such bucket, no permission): every ref here is unreadable.
    const ids: string[] = [];
    for await (const rest of remaining(refs)) ids.push(...rest.ids);
    found({ kind: "unreadable", location, ids, reason: reasonOf(error) });
    return;
  }
  const first = nextRef();
  let indexed = first instanceof Promise ? await first : first;
  // Invariant: `object` and `indexed` are the smallest keys not yet merged on each side.
  while (object !== undefined || indexed !== undefined) {
    const refKey = indexed?.ref.slice(prefix.length);
    if (object === undefined || (refKey !== undefined && refKey < object.key)) {
      if (indexed)
        found({ kind: "missing", ref: indexed.ref, ids: indexed.ids });
      const next = nextRef();
      indexed = next instanceof Promise ? await next : next;
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
      object = await nextObject();
      const next = nextRef();
      indexed = next instanceof Promise ? await next : next;
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
