export {
  StorageError,
  StorageErrorCode,
  isStorageError,
  isAbortError,
} from "./errors.js";
export type { StorageErrorDetails } from "./errors.js";
export {
  MAX_KEY_BYTES,
  assertValidKey,
  assertValidMetadata,
  assertValidPrefix,
  keyProblem,
} from "./keys.js";
export type {
  ByteRange,
  GetStreamOptions,
  Leftover,
  ListEntry,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  PutBody,
  PutOptions,
  PutResult,
  SignedUrlOptions,
} from "./object-store.js";
export { defineStore, toStorageError } from "./define-store.js";
export type { StoreDriver } from "./define-store.js";
export { collect, readableOf, resolveRange } from "./streams.js";
export { instrumentStore } from "./instrumented-store.js";
export type {
  StoreObserver,
  StoreOperation,
  StoreRequest,
} from "./instrumented-store.js";
export { createMemoryStore } from "./memory-store.js";
export type { MemoryStoreOptions } from "./memory-store.js";
export {
  FILESYSTEM_RESERVED,
  createFilesystemStore,
} from "./filesystem-store.js";
export type { FilesystemStoreOptions } from "./filesystem-store.js";

// Attachments service (refs, index contract, routing, force-DB rule, migration).
export * from "./attachments/index.js";
export { assertCorsOrigin } from "./cors-origin.js";
