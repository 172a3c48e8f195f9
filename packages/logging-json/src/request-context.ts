import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What is known about the request being served. The object is shared by everything that
 * runs for the request, so a value set with {@link setRequestContext} shows on every later
 * line of that request.
 */
export interface RequestContext {
  /** The request id: a safe incoming `X-Request-Id`, or a new UUID. */
  readonly requestId: string;
  /** The authenticated user, once known. */
  uid?: string | number | undefined;
  /** The database the request works on, once known. */
  dbname?: string | undefined;
  /** `trace.id`: the trace id of a valid incoming W3C `traceparent` (32 hex digits). */
  readonly traceId?: string | undefined;
  /** `span.id`: the caller's span id (the `parent-id` of that `traceparent`, 16 hex digits). */
  readonly spanId?: string | undefined;
}

/** The values of a {@link RequestContext} that can be set after it started. */
export interface RequestContextUpdate {
  uid?: string | number | undefined;
  dbname?: string | undefined;
}

// One storage per process, even when two copies of this package are loaded (dist and src,
// or two versions): metrics and platform read the context the middleware set.
const STORAGE_KEY: unique symbol = Symbol.for(
  "@cloud-platform/logging-json/request-context",
);
const registry = globalThis as unknown as Record<symbol, unknown>;
const storage = sharedStorage();

function sharedStorage(): AsyncLocalStorage<RequestContext> {
  const existing = registry[STORAGE_KEY];
  if (existing instanceof AsyncLocalStorage)
    return existing as AsyncLocalStorage<RequestContext>;
  const created = new AsyncLocalStorage<RequestContext>();
  registry[STORAGE_KEY] = created;
  return created;
}

/** The context of the request being served, or undefined outside a request. */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` (and everything it starts, synchronously or not) inside a new request context.
 * The context object is a copy of `context`; `fn`'s result is returned as is.
 */
export function runWithRequestContext<T>(
  context: RequestContext,
  fn: () => T,
): T {
  return storage.run({ ...context }, fn);
}

/**
 * Runs `next` in a new context holding `requestId` and the trace ids of a valid
 * `traceparent`: the middleware's path, one object and
 * one AsyncLocalStorage entry per request, no closure.
 */
export function enterRequestContext(
  requestId: string,
  traceparent: string | undefined,
  next: () => void,
): void {
  const valid = traceparent !== undefined && isValidTraceparent(traceparent);
  const context: RequestContext = {
    requestId,
    uid: undefined,
    dbname: undefined,
    traceId: valid ? traceparent.slice(3, 35) : undefined,
    spanId: valid ? traceparent.slice(36, 52) : undefined,
  };
  storage.run(context, next);
}

// version-traceid-parentid-flags, lower-case hex; later versions may append fields.
const TRACEPARENT =
  /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(-|$)/;

/**
 * True for a W3C Trace Context `traceparent` we can use: version other than `ff`, a
 * non-zero trace id and parent id, lower-case hex; version `00` has exactly four fields.
 */
export function isValidTraceparent(value: string): boolean {
  if (!TRACEPARENT.test(value)) return false;
  return value.startsWith("00-") ? value.length === 55 : true;
}

/**
 * Records values learnt during the request (the user once authenticated, the database).
 * Returns false, changing nothing, when called outside a request context.
 */
export function setRequestContext(update: RequestContextUpdate): boolean {
  const context = storage.getStore();
  if (context === undefined) return false;
  if (update.uid !== undefined) context.uid = update.uid;
  if (update.dbname !== undefined) context.dbname = update.dbname;
  return true;
}
