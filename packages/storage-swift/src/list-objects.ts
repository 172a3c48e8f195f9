import type { ListEntry, ListOptions } from "@cloud-platform/storage-core";
import { cleanEtag, statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/** One entry of a Swift JSON container listing. */
export interface RawListEntry {
  name: string;
  bytes: number;
  hash?: string;
  last_modified?: string;
  /** Set on Static Large Objects: the ETag a HEAD answers with. */
  slo_etag?: string;
}

/** Swift's largest page (`container_listing_limit`). */
const MAX_PAGE = 10_000;

/** Every entry of `container` under `prefix`, in Swift's (UTF-8 byte) order, paged with `marker`. */
export async function* listContainer(
  ctx: StoreContext,
  container: string,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<RawListEntry> {
  const limit = Math.min(
    Math.max(1, Math.floor(options.pageSize ?? 1000)),
    MAX_PAGE,
  );
  let marker = "";
  for (;;) {
    const context = at(ctx, "list", undefined, container);
    const query = { format: "json", prefix, marker, limit: String(limit) };
    const response = await ctx.client.request({
      method: "GET",
      path: `/${encodeURIComponent(container)}`,
      query,
      signal: options.signal,
      context,
    });
    if (response.status === 204) {
      await response.body?.cancel();
      return;
    }
    if (response.status !== 200) throw await statusError(response, context);
    const page = (await response.json()) as RawListEntry[];
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < limit) return;
    marker = last.name;
  }
}

/** The store's listing: keys, sizes, ETags (the SLO one for large objects) and dates. */
export async function* listObjects(
  ctx: StoreContext,
  prefix: string,
  options: ListOptions,
): AsyncGenerator<ListEntry> {
  for await (const raw of listContainer(ctx, ctx.container, prefix, options)) {
    const entry: ListEntry = { key: raw.name, size: raw.bytes };
    const etag = cleanEtag(raw.slo_etag ?? raw.hash);
    if (etag !== undefined) entry.etag = etag;
    // Swift's listing dates are UTC without a zone designator.
    if (raw.last_modified)
      entry.lastModified = new Date(`${raw.last_modified}Z`);
    yield entry;
  }
}
