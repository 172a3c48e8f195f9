/** Keystone v3 password authentication (OpenStack, OVH). */
export interface KeystoneAuthOptions {
  type: "keystone";
  /** Identity URL, e.g. `https://auth.cloud.ovh.net/v3` (`/v3` is added when missing). */
  authUrl: string;
  /** User name. */
  username: string;
  /** User password. Never logged, never part of an error. */
  password: string;
  /** Project (tenant) name the token is scoped to. */
  projectName: string;
  /** Domain name of the user; ignored when `userDomainId` is set. @default 'Default' */
  userDomainName?: string;
  /** Domain id of the user (wins over `userDomainName`). */
  userDomainId?: string;
  /** Domain name of the project; ignored when `projectDomainId` is set. @default 'Default' */
  projectDomainName?: string;
  /** Domain id of the project (wins over `projectDomainName`). */
  projectDomainId?: string;
  /** Region of the object-store endpoint; required when the catalogue has several. */
  region?: string;
  /** Endpoint interface picked from the catalogue. @default 'public' */
  interface?: "public" | "internal" | "admin";
}

/**
 * Keystone v3 application-credential authentication: the credential (made by a user for one
 * project, revocable on its own) is the identity and the scope. Give `id`, or `name` with
 * the user that owns it.
 */
export interface KeystoneApplicationCredentialAuthOptions {
  type: "application-credential";
  /** Identity URL, e.g. `https://auth.cloud.ovh.net/v3` (`/v3` is added when missing). */
  authUrl: string;
  /** The application credential's id (wins over `name`). */
  id?: string;
  /** The application credential's name; needs `username` (names are unique per user). */
  name?: string;
  /** The secret. Never logged, never part of an error. */
  secret: string;
  /** The owner's user name, with `name`. */
  username?: string;
  /** Domain name of the owner; ignored when `userDomainId` is set. @default 'Default' */
  userDomainName?: string;
  /** Domain id of the owner (wins over `userDomainName`). */
  userDomainId?: string;
  /** Region of the object-store endpoint; required when the catalogue has several. */
  region?: string;
  /** Endpoint interface picked from the catalogue. @default 'public' */
  interface?: "public" | "internal" | "admin";
}

/** Swift v1 authentication (tempauth, swauth): a URL ending in `/auth/v1.0`. */
export interface TempAuthOptions {
  type: "tempauth";
  /** The `/auth/v1.0` URL. */
  authUrl: string;
  /** `account:user`. */
  user: string;
  /** The key (password). Never logged, never part of an error. */
  key: string;
}

/** How the store authenticates. */
export type SwiftAuthOptions =
  | KeystoneAuthOptions
  | KeystoneApplicationCredentialAuthOptions
  | TempAuthOptions;

/** Retry policy for transient failures (network errors, 5xx, 429). */
export interface SwiftRetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** First backoff delay in ms; doubled on each retry, with jitter. @default 100 */
  minDelayMs?: number;
  /** Longest backoff delay in ms. @default 2000 */
  maxDelayMs?: number;
}

/** Options of `createSwiftStore`. */
export interface SwiftStoreOptions {
  /** The container objects are written to and read from. */
  container: string;
  /** Credentials; tokens are cached and shared by every store with the same credentials. */
  auth: SwiftAuthOptions;
  /**
   * Segment size of Static Large Objects, in bytes (at most 5 GiB, Swift's object limit).
   * @default 104857600 (100 MiB)
   */
  segmentSize?: number;
  /**
   * Objects larger than this (in bytes) are stored as Static Large Objects, their segments in
   * `<container>_segments`. A stream of unknown size longer than min(threshold, 8 MiB) is
   * stored as one too. @default 104857600 (100 MiB)
   */
  largeObjectThreshold?: number;
  /**
   * Create the container (and its `_segments` container) on the first write when missing.
   * Only for your own write container. @default false
   */
  createContainer?: boolean;
  /**
   * TempURL key installed on the account or the container (`X-Account-Meta-Temp-URL-Key`);
   * `signedUrl` exists only when it is set. When the store creates the container it also
   * installs this key on it.
   */
  tempUrlKey?: string;
  /**
   * Sign TempURLs with the key kept in the container's own metadata
   * (`X-Container-Meta-Temp-URL-Key`, which {@link configureSwiftContainer} and
   * `cloud-platform install` set), read with one HEAD when first needed and again every
   * minute; `signedUrl` then fails with `E_NOT_CONFIGURED` while the container has no key.
   * Ignored when `tempUrlKey` is given. @default false
   */
  containerTempUrlKey?: boolean;
  /** Retry policy for transient failures. */
  retry?: SwiftRetryOptions;
  /**
   * The `fetch` to use (inject one to observe or route requests). @default `httpFetch`, the
   * subset of fetch the store needs over `node:http` (the global fetch's parser costs every
   * process about 30 MB of memory)
   */
  fetch?: typeof fetch;
  /** Clock in ms since the epoch, used for token expiry and TempURLs. @default Date.now */
  now?: () => number;
}

/** {@link SwiftStoreOptions} checked, with their defaults filled in. */
export interface ResolvedSwiftOptions {
  container: string;
  /** `<container>_segments`, where Static Large Object segments live. */
  segmentsContainer: string;
  segmentSize: number;
  largeObjectThreshold: number;
  createContainer: boolean;
  tempUrlKey: string | undefined;
  containerTempUrlKey: boolean;
}
