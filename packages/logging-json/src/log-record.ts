import type { LogLevel } from "./levels.js";

/** Fields given with one log call; nested objects are kept as objects. */
export type LogFields = Readonly<Record<string, unknown>>;

/** winston's level key (triple-beam registers it with `Symbol.for`). */
export const LEVEL: unique symbol = Symbol.for("level");
/** winston's key for the rendered line (triple-beam registers it with `Symbol.for`). */
export const MESSAGE: unique symbol = Symbol.for("message");

/** Marks the info object that asks the transport to report when all lines are written. */
export const FLUSH = Symbol("logging-json.flush");
/** The fields of the log call, kept apart from winston's own `level` and `message`. */
export const FIELDS = Symbol("logging-json.fields");
/** The logger (name and bound fields) that made the record. */
export const SOURCE = Symbol("logging-json.source");
/** When the log call was made (ms since the epoch): winston may render the line later. */
export const TIME = Symbol("logging-json.time");
/** The request context values at the time of the call (the context may change later). */
export const CONTEXT = Symbol("logging-json.context");

/** What a (child) logger adds to each of its lines. */
export interface LogSource {
  /** `log.logger`: the dotted component path, absent on the root logger. */
  readonly name: string | undefined;
  /** Fields bound by `child()`, written on every line. */
  readonly bindings: LogFields | undefined;
}

/** The request context values copied into one record. */
export interface ContextValues {
  readonly request_id: string;
  readonly uid: string | number | undefined;
  readonly dbname: string | undefined;
  readonly "trace.id": string | undefined;
  readonly "span.id": string | undefined;
}

/** The winston info object our logger writes. */
export interface LogRecord {
  level: LogLevel;
  /** A string from our logger; anything from a direct winston call. */
  message: unknown;
  [LEVEL]?: string;
  [MESSAGE]?: string;
  [FIELDS]?: LogFields | undefined;
  [TIME]?: number | undefined;
  [SOURCE]?: LogSource | undefined;
  [CONTEXT]?: ContextValues | undefined;
  [FLUSH]?: (() => void) | undefined;
  [key: string]: unknown;
}

/** The record's message as text, whatever winston was given. */
export function messageText(record: LogRecord): string {
  const message = record.message;
  if (typeof message === "string") return message;
  try {
    return String(message);
  } catch {
    return "[unprintable message]";
  }
}

/** The ISO timestamp of the call, or of now for records written straight through winston. */
export function timestamp(record: LogRecord): string {
  return isoTimestamp(record[TIME] ?? Date.now());
}

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * `new Date(ms).toISOString()`, with the part up to the seconds computed once per second:
 * formatting a Date was the most expensive step of a simple line.
 */
export function isoTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const millis = whole - second * 1000;
  return `${cachedPrefix}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

const CONTEXT_KEYS = [
  "request_id",
  "uid",
  "dbname",
  "trace.id",
  "span.id",
] as const;

/** What OpenTelemetry's winston instrumentation adds to the record itself: kept. */
const OTEL_KEYS = ["trace_id", "span_id", "trace_flags"] as const;

/** Calls `visit` for the defined values of a context snapshot. */
export function eachContextField(
  context: ContextValues,
  visit: (key: string, value: unknown) => void,
): void {
  for (const key of CONTEXT_KEYS) {
    const value = context[key];
    if (value !== undefined) visit(key, value);
  }
}

/** True when call fields set one of the context's names (they win over the context). */
export function overridesContext(fields: LogFields | undefined): boolean {
  return (
    fields !== undefined &&
    (fields["request_id"] !== undefined ||
      fields["uid"] !== undefined ||
      fields["dbname"] !== undefined ||
      fields["trace.id"] !== undefined ||
      fields["span.id"] !== undefined)
  );
}

const snapshots = new WeakMap<object, ContextValues>();

/**
 * The context's values now, as one object reused for every line of the request while
 * they stay the same (so renderers can cache what they make of it).
 */
export function contextSnapshot(context: {
  readonly requestId: string;
  readonly uid?: string | number | undefined;
  readonly dbname?: string | undefined;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
}): ContextValues {
  const last = snapshots.get(context);
  if (
    last !== undefined &&
    last.uid === context.uid &&
    last.dbname === context.dbname
  ) {
    return last;
  }
  const next = {
    request_id: context.requestId,
    uid: context.uid,
    dbname: context.dbname,
    "trace.id": context.traceId,
    "span.id": context.spanId,
  };
  snapshots.set(context, next);
  return next;
}

/**
 * Calls `visit` for every field of a record, in line order: request context, bound fields,
 * call fields (a call field wins over a bound or context field of the same name). `err`
 * holding an Error is written as `error`, as `@elastic/ecs-winston-format` does. Records
 * written straight through winston (no FIELDS) contribute their own keys.
 */
export function eachField(
  record: LogRecord,
  visit: (key: string, value: unknown) => void,
  skipContext = false,
): void {
  const fields = record[FIELDS];
  const context = record[CONTEXT];
  if (context !== undefined && !skipContext) {
    for (const key of CONTEXT_KEYS) {
      const value = context[key];
      if (
        value !== undefined &&
        (fields === undefined || fields[key] === undefined)
      )
        visit(key, value);
    }
  }
  const bindings = record[SOURCE]?.bindings;
  if (bindings !== undefined) {
    for (const key in bindings)
      if (fields === undefined || !(key in fields)) visit(key, bindings[key]);
  }
  const own = fields ?? record;
  for (const key in own) {
    if (own === record && (key === "level" || key === "message")) continue;
    const value = own[key];
    visit(key === "err" && value instanceof Error ? "error" : key, value);
  }
  if (fields === undefined) return;
  for (const key of OTEL_KEYS) {
    const value = record[key];
    if (value !== undefined && fields[key] === undefined) visit(key, value);
  }
}
