/** One error of a cause chain, in ECS field names. */
export interface EcsErrorLink {
  /** The class name (`TypeError`, `StorageError`), or `typeof` for a thrown non-error. */
  type: string;
  message: string;
  stack_trace?: string;
  /** The error's `code` (Node system errors, our typed errors), when it has one. */
  code?: string | number;
}

/**
 * An error in ECS field names. `causes` is the `cause` chain flattened into an array, the
 * direct cause first: a fixed set of fields (`error.causes.type`, `error.causes.message`,
 * …) whatever the depth, so the Elasticsearch mapping never grows with it.
 */
export interface EcsError extends EcsErrorLink {
  causes?: EcsErrorLink[];
  /** The errors of an `AggregateError`. */
  errors?: EcsErrorLink[];
  [extra: string]: unknown;
}

const MAX_CAUSES = 8;
const MAX_AGGREGATED = 20;
const RESERVED = new Set([
  "type",
  "message",
  "stack_trace",
  "code",
  "causes",
  "errors",
  "stack",
  "cause",
  "name",
]);

/**
 * Turns an error into ECS fields: type, message, stack trace, code, the cause chain (at most
 * 8 links, cycles cut) and its other enumerable properties (redacted later like any field).
 */
export function serializeError(error: Error): EcsError {
  const out: EcsError = { ...extraProperties(error), ...link(error) };
  const causes: EcsErrorLink[] = [];
  const seen = new Set<unknown>([error]);
  let cause = readCause(error);
  while (
    cause !== undefined &&
    causes.length < MAX_CAUSES &&
    !seen.has(cause)
  ) {
    seen.add(cause);
    causes.push(link(cause));
    cause = readCause(cause);
  }
  if (causes.length > 0) out.causes = causes;
  if (error instanceof AggregateError && Array.isArray(error.errors)) {
    out.errors = (error.errors as unknown[]).slice(0, MAX_AGGREGATED).map(link);
  }
  return out;
}

function link(value: unknown): EcsErrorLink {
  if (!(value instanceof Error)) {
    return {
      type: value === null ? "null" : typeof value,
      message: describe(value),
    };
  }
  const out: EcsErrorLink = {
    type: typeName(value),
    message: describe(value.message),
  };
  if (typeof value.stack === "string") out.stack_trace = value.stack;
  const code = (value as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  return out;
}

function typeName(error: Error): string {
  const ctor = (error as { constructor?: unknown }).constructor;
  return typeof ctor === "function" && ctor.name !== ""
    ? ctor.name
    : describe(error.name);
}

function readCause(value: unknown): unknown {
  return value instanceof Error
    ? (value as { cause?: unknown }).cause
    : undefined;
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (
    value === undefined ||
    typeof value === "function" ||
    typeof value === "symbol"
  )
    return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function extraProperties(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (!RESERVED.has(key))
      out[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return out;
}
