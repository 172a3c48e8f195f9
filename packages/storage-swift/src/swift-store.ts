import { defineStore, type ObjectStore } from "@cloud-platform/storage-core";
import { createContainerGuard } from "./container-guard.js";
import type { SwiftStoreOptions } from "./options.js";
import { resolveSwiftOptions } from "./resolve-options.js";
import { retryPolicy } from "./retry-strategy.js";
import type { StoreContext } from "./store-context.js";
import { createSwiftClient } from "./swift-client.js";
import { createSwiftDriver } from "./swift-driver.js";
import {
  configureContainer,
  containerKeySource,
  type ContainerConfiguration,
  type ContainerSettings,
} from "./temp-url-key.js";
import { httpFetch } from "./http-fetch.js";

/**
 * An {@link ObjectStore} on OpenStack Swift (`kind` `swift`), with its own small client on
 * `fetch`: Keystone v3 or tempauth, Static Large Objects above `largeObjectThreshold`,
 * range reads, server-side copy, and TempURLs when `tempUrlKey` (or `containerTempUrlKey`)
 * is set. Nothing happens on the network until the first operation.
 *
 * @throws {SwiftConfigError} when the options are unusable (every problem listed, no secret).
 */
export function createSwiftStore(options: SwiftStoreOptions): ObjectStore {
  const { ctx, resolved, now } = storeContext(options);
  const fixedKey = resolved.tempUrlKey;
  const tempUrlKey =
    fixedKey !== undefined
      ? () => Promise.resolve(fixedKey)
      : resolved.containerTempUrlKey
        ? containerKeySource(ctx, now)
        : undefined;
  return defineStore(createSwiftDriver({ ctx, tempUrlKey, now }));
}

/**
 * Makes the container ready for browsers: a TempURL key in its metadata when it has none
 * (for stores with `containerTempUrlKey`), and the CORS origins allowed to send requests to
 * it. One HEAD and at most one POST; the key is never returned.
 *
 * @throws {SwiftConfigError} when the options are unusable; StorageError when Swift refuses
 */
export function configureSwiftContainer(
  options: SwiftStoreOptions,
  settings: ContainerSettings,
): Promise<ContainerConfiguration> {
  return configureContainer(storeContext(options).ctx, settings);
}

function storeContext(options: SwiftStoreOptions): {
  ctx: StoreContext;
  resolved: ReturnType<typeof resolveSwiftOptions>;
  now: () => number;
} {
  const resolved = resolveSwiftOptions(options);
  const now = options.now ?? Date.now;
  const client = createSwiftClient({
    auth: options.auth,
    retry: retryPolicy(options.retry),
    fetch: options.fetch ?? httpFetch,
    now,
  });
  const ctx: StoreContext = {
    client,
    container: resolved.container,
    segmentsContainer: resolved.segmentsContainer,
    segmentSize: resolved.segmentSize,
    largeObjectThreshold: resolved.largeObjectThreshold,
    label: `swift:${resolved.container}`,
    now,
    // The segments container of our own write container is created on demand, as
    // python-swiftclient does: the first large upload must not fail for want of it.
    ensureContainer: createContainerGuard(
      () => ctx,
      resolved.tempUrlKey,
      resolved.createContainer ? ["main", "segments"] : ["segments"],
    ),
  };
  return { ctx, resolved, now };
}
