import { StorageError, StorageErrorCode } from "../errors.js";
import type { ObjectStore } from "../object-store.js";

/**
 * A view of `store` that reads but never writes: `put`, `delete`, `deleteMany`, `copy` and
 * PUT signed URLs reject with `E_READ_ONLY`. Used for foreign buckets (an integration copy
 * reading prod's objects).
 */
export function readOnlyStore(store: ObjectStore): ObjectStore {
  const label =
    store.container === undefined
      ? store.kind
      : `${store.kind}:${store.container}`;
  const refuse = (op: string, key?: string): Promise<never> =>
    Promise.reject(
      new StorageError(
        StorageErrorCode.ReadOnly,
        `${op} refused: ${label} is read-only here`,
        { key, store: label },
      ),
    );
  const view: ObjectStore = {
    kind: store.kind,
    put: (key) => refuse("put", key),
    get: (key, options) => store.get(key, options),
    getStream: (key, options) => store.getStream(key, options),
    head: (key) => store.head(key),
    exists: (key) => store.exists(key),
    delete: (key) => refuse("delete", key),
    list: (prefix, options) => store.list(prefix, options),
    copy: (_from, to) => refuse("copy", to),
    deleteMany: () => refuse("deleteMany"),
  };
  if (store.container !== undefined)
    Object.assign(view, { container: store.container });
  if (store.signedUrl) {
    view.signedUrl = (key, options) =>
      options?.method === "PUT"
        ? refuse("signedUrl PUT", key)
        : (store.signedUrl?.(key, options) ?? refuse("signedUrl", key));
  }
  return view;
}
