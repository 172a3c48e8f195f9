import { createHmac } from "node:crypto";
import {
  StorageError,
  StorageErrorCode,
  type SignedUrlOptions,
} from "@cloud-platform/storage-core";
import { objectPath } from "./map-error.js";
import type { StoreContext } from "./store-context.js";

/**
 * A TempURL (HMAC-SHA256) for `key`: anyone holding it may GET (or PUT) the object until it
 * expires. The signature covers the method, the expiry and the decoded object path, as the
 * tempurl middleware computes it.
 */
export async function tempUrl(
  ctx: StoreContext,
  secret: string,
  key: string,
  options: SignedUrlOptions,
  now: () => number,
): Promise<string> {
  const method = options.method ?? "GET";
  const expiresIn = options.expiresIn ?? 900;
  if (!Number.isSafeInteger(expiresIn) || expiresIn <= 0) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      "expiresIn must be a positive whole number of seconds",
      { key, store: ctx.label },
    );
  }
  const { storageUrl } = await ctx.client.token();
  const expires = Math.floor(now() / 1000) + expiresIn;
  const base = new URL(storageUrl);
  const signedPath = `${decodeURIComponent(base.pathname)}/${ctx.container}/${key}`;
  const signature = createHmac("sha256", secret)
    .update(`${method}\n${expires}\n${signedPath}`)
    .digest("hex");
  const query = new URLSearchParams({
    temp_url_sig: signature,
    temp_url_expires: String(expires),
  });
  // The tempurl middleware answers a GET with `Content-Disposition: attachment; filename=…`
  // (or `inline` when asked): the download keeps its name.
  if (method === "GET" && options.fileName !== undefined) {
    query.set("filename", options.fileName);
    if (options.contentDisposition?.trim().toLowerCase().startsWith("inline"))
      query.set("inline", "");
  }
  return `${storageUrl}${objectPath(ctx.container, key)}?${query.toString()}`;
}
