import { randomBytes } from "node:crypto";
import {
  StorageError,
  StorageErrorCode,
  assertCorsOrigin,
} from "@cloud-platform/storage-core";
import { statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/** How long a key read from the container is used before it is read again. */
const KEY_TTL_MS = 60_000;
const KEY_HEADER = "x-container-meta-temp-url-key";

/**
 * The TempURL key kept in the container's metadata (`X-Container-Meta-Temp-URL-Key`), read
 * with one HEAD when first needed and again after a minute, so a key rotated by
 * `cloud-platform install` reaches every process. A failed read is not remembered.
 *
 * @throws StorageError `E_NOT_CONFIGURED` when the container has no key
 */
export function containerKeySource(
  ctx: StoreContext,
  now: () => number,
): () => Promise<string> {
  let cached: { key: Promise<string>; at: number } | undefined;
  return () => {
    if (cached === undefined || now() - cached.at > KEY_TTL_MS) {
      const key = readContainerKey(ctx);
      key.catch(() => (cached = undefined));
      cached = { key, at: now() };
    }
    return cached.key;
  };
}

async function readContainerKey(ctx: StoreContext): Promise<string> {
  const meta = await containerMeta(ctx);
  const key = meta.get(KEY_HEADER);
  if (key === null || key === "")
    throw new StorageError(
      StorageErrorCode.NotConfigured,
      `container ${JSON.stringify(ctx.container)} has no TempURL key (X-Container-Meta-Temp-URL-Key); \`cloud-platform install\` sets one`,
      { store: ctx.label },
    );
  return key;
}

async function containerMeta(ctx: StoreContext): Promise<Headers> {
  const context = at(ctx, "head");
  const response = await ctx.client.request({
    method: "HEAD",
    path: `/${encodeURIComponent(ctx.container)}`,
    context,
  });
  if (response.status !== 204 && response.status !== 200)
    throw await statusError(response, context);
  await response.body?.cancel();
  return response.headers;
}

/** What {@link configureContainer} should make true of the container. */
export interface ContainerSettings {
  /** Give the container a random TempURL key when it has none (an existing key is kept). */
  tempUrlKey?: boolean;
  /**
   * Origins a browser may send requests from (CORS: `X-Container-Meta-Access-Control-Allow-Origin`),
   * e.g. `https://app.example.com`; `[]` removes the rule. Left as it is when undefined.
   */
  corsOrigins?: readonly string[];
}

/** What {@link configureContainer} did. */
export interface ContainerConfiguration {
  /** `created` when a new key was set, `kept` when the container had one, `unchanged` when not asked. */
  tempUrlKey: "created" | "kept" | "unchanged";
  /** The CORS origins now set, or undefined when not asked. */
  corsOrigins: readonly string[] | undefined;
}

/**
 * Sets the container's TempURL key (when missing) and CORS origins in one POST: what a
 * browser needs to PUT straight into the container on a TempURL. The key itself is never
 * returned or logged.
 */
export async function configureContainer(
  ctx: StoreContext,
  settings: ContainerSettings,
): Promise<ContainerConfiguration> {
  const headers: Record<string, string> = {};
  let tempUrlKey: ContainerConfiguration["tempUrlKey"] = "unchanged";
  if (settings.tempUrlKey === true) {
    const existing = (await containerMeta(ctx)).get(KEY_HEADER);
    if (existing !== null && existing !== "") tempUrlKey = "kept";
    else {
      headers[KEY_HEADER] = randomBytes(32).toString("hex");
      tempUrlKey = "created";
    }
  }
  const origins = settings.corsOrigins;
  if (origins !== undefined) {
    for (const origin of origins) assertCorsOrigin(origin, ctx.label);
    if (origins.length === 0) {
      headers["x-remove-container-meta-access-control-allow-origin"] = "x";
      headers["x-remove-container-meta-access-control-expose-headers"] = "x";
    } else {
      headers["x-container-meta-access-control-allow-origin"] =
        origins.join(" ");
      // A browser script reads the ETag of its PUT; Swift exposes only simple headers otherwise.
      headers["x-container-meta-access-control-expose-headers"] =
        "etag x-trans-id";
      headers["x-container-meta-access-control-max-age"] = "3600";
    }
  }
  if (Object.keys(headers).length > 0) {
    const context = at(ctx, "configure");
    const response = await ctx.client.request({
      method: "POST",
      path: `/${encodeURIComponent(ctx.container)}`,
      headers,
      context,
    });
    if (response.status !== 204 && response.status !== 202)
      throw await statusError(response, context);
    await response.body?.cancel();
  }
  return { tempUrlKey, corsOrigins: origins };
}
