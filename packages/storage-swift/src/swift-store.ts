import {
  defineStore,
  type ObjectStore,
  type StoreDriver,
} from "@cloud-platform/storage-core";
import { copyObject } from "./copy.js";
import { deleteObject } from "./delete.js";
import { listObjects } from "./list.js";
import type { SwiftStoreOptions } from "./options.js";
import { getObject, getObjectStream, headObject, headRaw } from "./read.js";
import { retryPolicy } from "./retry.js";
import { statusError } from "./status.js";
import { at, type StoreContext } from "./store-context.js";
import { createSwiftClient } from "./swift-client.js";
import { tempUrl } from "./temp-url.js";
import { putObject } from "./upload.js";
import { validateOptions } from "./validate-options.js";

const DEFAULT_SEGMENT_SIZE = 100 * 1024 * 1024;

/**
 * An {@link ObjectStore} on OpenStack Swift (`kind` `swift`), with its own small client on
 * `fetch`: Keystone v3 or tempauth, Static Large Objects above `largeObjectThreshold`,
 * range reads, server-side copy, and TempURLs when `tempUrlKey` is set. Nothing happens on
 * the network until the first operation.
 *
 * @throws {SwiftConfigError} when the options are unusable (every problem listed, no secret).
 */
export function createSwiftStore(options: SwiftStoreOptions): ObjectStore {
  validateOptions(options);
  const now = options.now ?? Date.now;
  const client = createSwiftClient({
    auth: options.auth,
    retry: retryPolicy(options.retry),
    fetch: options.fetch ?? globalThis.fetch,
    now,
  });
  const ctx: StoreContext = {
    client,
    container: options.container,
    segmentsContainer: `${options.container}_segments`,
    segmentSize: options.segmentSize ?? DEFAULT_SEGMENT_SIZE,
    largeObjectThreshold: options.largeObjectThreshold ?? DEFAULT_SEGMENT_SIZE,
    label: `swift:${options.container}`,
    ensureContainer:
      options.createContainer === true
        ? containerCreator(() => ctx, options.tempUrlKey)
        : async () => undefined,
  };
  const driver: StoreDriver = {
    kind: "swift",
    container: options.container,
    put: (key, body, putOptions) => putObject(ctx, key, body, putOptions),
    get: (key, getOptions) => getObject(ctx, key, getOptions?.signal),
    getStream: (key, streamOptions) =>
      getObjectStream(ctx, key, streamOptions ?? {}),
    head: (key) => headObject(ctx, key),
    exists: async (key) => (await headRaw(ctx, key)) !== undefined,
    delete: (key) => deleteObject(ctx, key),
    list: (prefix = "", listOptions = {}) =>
      listObjects(ctx, prefix, listOptions),
    copy: (from, to) => copyObject(ctx, from, to),
    deleteMany: async (keys) => {
      // One at a time per key, a few at once: a bulk delete would leave SLO segments behind.
      const queue = [...new Set(keys)];
      const worker = async (): Promise<void> => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift())
          await deleteObject(ctx, key);
      };
      await Promise.all(
        Array.from({ length: Math.min(8, queue.length) }, worker),
      );
    },
  };
  const secret = options.tempUrlKey;
  if (secret !== undefined)
    driver.signedUrl = (key, signOptions) =>
      tempUrl(ctx, secret, key, signOptions ?? {}, now);
  return defineStore(driver);
}

/** Creates each container once per store (a failure is not remembered: the next write tries again). */
function containerCreator(
  ctx: () => StoreContext,
  tempUrlKey: string | undefined,
): StoreContext["ensureContainer"] {
  const created = new Map<string, Promise<void>>();
  return async (which) => {
    const name = which === "main" ? ctx().container : ctx().segmentsContainer;
    let pending = created.get(name);
    if (!pending) {
      pending = createContainer(ctx(), name, tempUrlKey);
      pending.catch(() => created.delete(name));
      created.set(name, pending);
    }
    await pending;
  };
}

/** Creates a container unless it exists (HEAD first: a PUT on an existing one would reset nothing, but costs a write). */
async function createContainer(
  ctx: StoreContext,
  name: string,
  tempUrlKey: string | undefined,
): Promise<void> {
  const path = `/${encodeURIComponent(name)}`;
  const context = at(ctx, "create", undefined, name);
  const head = await ctx.client.request({ method: "HEAD", path, context });
  if (head.status === 204 || head.status === 200) return;
  if (head.status !== 404) throw await statusError(head, context);
  const headers: Record<string, string> =
    tempUrlKey !== undefined && name === ctx.container
      ? { "x-container-meta-temp-url-key": tempUrlKey }
      : {};
  const response = await ctx.client.request({
    method: "PUT",
    path,
    headers,
    context,
  });
  if (response.status !== 201 && response.status !== 202)
    throw await statusError(response, context);
  await response.body?.cancel();
}
