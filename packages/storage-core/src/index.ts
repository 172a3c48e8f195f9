export { StorageError, StorageErrorCode, isStorageError, isAbortError } from './errors.js';
export type { StorageErrorDetails } from './errors.js';
export { MAX_KEY_BYTES, assertValidKey, assertValidMetadata, assertValidPrefix, keyProblem } from './keys.js';
export type {
  ByteRange,
  GetStreamOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  PutBody,
  PutOptions,
  PutResult,
  SignedUrlOptions,
} from './object-store.js';
export { defineStore, toStorageError } from './define-store.js';
export type { StoreDriver } from './define-store.js';
