import type { StoreDriver } from "@cloud-platform/storage-core";
import { copyObject } from "./copy-object.js";
import { deleteObject } from "./delete-object.js";
import { listObjects } from "./list-objects.js";
import { putObject } from "./put-object.js";
import {
  getObject,
  getObjectStream,
  headObject,
  headRaw,
} from "./read-object.js";
import { tempUrl } from "./signed-url.js";
import { listSegmentLeftovers, removeSegmentLeftover } from "./leftovers.js";
import { deleteMany } from "./bulk-delete.js";
import type { StoreContext } from "./store-context.js";

/** What the Swift driver is made of. */
export interface SwiftDriverParts {
  ctx: StoreContext;
  /** Where the TempURL key comes from; `signedUrl` exists only when there is a source. */
  tempUrlKey: (() => Promise<string>) | undefined;
  now: () => number;
}

/** The Swift {@link StoreDriver}: every method maps its HTTP failures with container and key. */
export function createSwiftDriver(parts: SwiftDriverParts): StoreDriver {
  const { ctx, now } = parts;
  const driver: StoreDriver = {
    kind: "swift",
    container: ctx.container,
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
    deleteMany: (keys) => deleteMany(ctx, keys),
  };
  driver.listLeftovers = ({ signal } = {}) => listSegmentLeftovers(ctx, signal);
  driver.removeLeftover = (leftover) => removeSegmentLeftover(ctx, leftover);
  const secret = parts.tempUrlKey;
  if (secret !== undefined)
    driver.signedUrl = async (key, signOptions) =>
      tempUrl(ctx, await secret(), key, signOptions ?? {}, now);
  return driver;
}
