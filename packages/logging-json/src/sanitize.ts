import { createStringRedactor } from "./redact-strings.js";
import type { ResolvedRedactOptions } from "./redact-options.js";
import { serializeError } from "./serialize-error.js";

/** Makes any value safe to write: redacted, bounded, acyclic, JSON-compatible. */
export interface Sanitizer {
  /** True when a field of this name is redacted (verdicts are cached). */
  isSensitiveKey(name: string): boolean;
  /** Cuts a long string and redacts credentials found in its text. */
  sanitizeString(text: string): string;
  /** Returns `value` itself when nothing had to change, else a safe copy. */
  sanitize(value: unknown): unknown;
  /** What replaces a redacted value. */
  readonly censor: string;
}

const VERDICT_CACHE_LIMIT = 10_000;
/** How far past the cut a credential may end and still be found (longer ones are absurd). */
const REDACT_MARGIN = 4096;

/** Builds the sanitizer for one logger; it keeps a bounded cache of key verdicts. */
export function createSanitizer(options: ResolvedRedactOptions): Sanitizer {
  const exact = new Set(
    options.keys
      .filter((k) => typeof k === "string")
      .map((k) => k.toLowerCase()),
  );
  const patterns = options.keys.filter((k) => k instanceof RegExp);
  const verdicts = new Map<string, boolean>();
  const redacting = options.keys.length > 0;

  // Most logs reuse a handful of field names, so one regex run per name, not per line.
  const isSensitiveKey = (name: string): boolean => {
    let verdict = verdicts.get(name);
    if (verdict === undefined) {
      verdict =
        exact.has(name.toLowerCase()) ||
        patterns.some((p) => testOnce(p, name));
      if (verdicts.size >= VERDICT_CACHE_LIMIT) verdicts.clear();
      verdicts.set(name, verdict);
    }
    return verdict;
  };
  const redactText = createStringRedactor(isSensitiveKey, options.censor);
  // Redact, then cut: a credential straddling the cut would no longer match and its prefix
  // would be written. Only a window past the cut is redacted, so a huge string costs no more
  // than its first `maxStringLength + REDACT_MARGIN` characters.
  const sanitizeString = (text: string): string => {
    const max = options.maxStringLength;
    if (text.length <= max) return redacting ? redactText(text) : text;
    const window = text.slice(0, max + REDACT_MARGIN);
    const kept = (redacting ? redactText(window) : window).slice(0, max);
    return `${kept}…[truncated ${text.length - max} chars]`;
  };
  const walker = new Walker(
    options,
    redacting ? isSensitiveKey : () => false,
    sanitizeString,
  );
  return {
    isSensitiveKey: redacting ? isSensitiveKey : () => false,
    sanitizeString,
    sanitize: (value) => walker.value(value, 0),
    censor: options.censor,
  };
}

function testOnce(pattern: RegExp, name: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(name);
}

class Walker {
  private readonly ancestors: object[] = [];

  constructor(
    private readonly options: ResolvedRedactOptions,
    private readonly isSensitiveKey: (name: string) => boolean,
    private readonly sanitizeString: (text: string) => string,
  ) {}

  value(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case "string":
        return this.sanitizeString(value);
      case "bigint":
        return value.toString();
      case "object":
        return value === null ? null : this.object(value, depth);
      default:
        // numbers, booleans, undefined, functions and symbols: JSON handles them
        return value;
    }
  }

  private object(value: object, depth: number): unknown {
    if (value instanceof Date) return value;
    if (this.ancestors.includes(value)) return "[Circular]";
    if (depth >= this.options.maxDepth)
      return Array.isArray(value) ? "[Array]" : "[Object]";
    this.ancestors.push(value);
    try {
      return this.dispatch(value, depth);
    } catch (error) {
      // A throwing getter or toJSON costs this one value, not the line.
      return this.sanitizeString(
        `[unserializable: ${error instanceof Error ? error.message : "unknown error"}]`,
      );
    } finally {
      this.ancestors.pop();
    }
  }

  private dispatch(value: object, depth: number): unknown {
    if (Array.isArray(value)) return this.array(value, depth);
    if (value instanceof Error) return this.value(serializeError(value), depth);
    if (ArrayBuffer.isView(value))
      return `[${value.constructor.name} ${value.byteLength} bytes]`;
    if (value instanceof Map)
      return this.value(Object.fromEntries(value), depth);
    if (value instanceof Set) return this.array([...value], depth);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function")
      return this.value(toJSON.call(value), depth);
    return this.record(value as Record<string, unknown>, depth);
  }

  // Copy-on-write: the common case (nothing to redact or cut) allocates nothing.
  private array(value: readonly unknown[], depth: number): unknown[] {
    const limit = Math.min(value.length, this.options.maxArrayLength);
    let out: unknown[] | undefined;
    for (let i = 0; i < limit; i++) {
      const item = value[i];
      const safe = this.value(item, depth + 1);
      if (out === undefined && safe !== item) out = value.slice(0, i);
      out?.push(safe);
    }
    if (value.length > limit) {
      out ??= value.slice(0, limit);
      out.push(`[… ${value.length - limit} more items]`);
    }
    return out ?? (value as unknown[]);
  }

  private record(
    value: Record<string, unknown>,
    depth: number,
  ): Record<string, unknown> {
    const keys = Object.keys(value);
    const limit = Math.min(keys.length, this.options.maxObjectKeys);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < limit; i++) {
      const key = keys[i];
      if (key === undefined) break;
      const item = value[key];
      const safe = this.isSensitiveKey(key)
        ? this.options.censor
        : this.value(item, depth + 1);
      if (out === undefined && safe !== item) out = copyKeys(value, keys, i);
      if (out !== undefined) out[key] = safe;
    }
    if (keys.length > limit) {
      out ??= copyKeys(value, keys, limit);
      out["…"] = `${keys.length - limit} more keys`;
    }
    return out ?? value;
  }
}

function copyKeys(
  source: Record<string, unknown>,
  keys: readonly string[],
  count: number,
): Record<string, unknown> {
  // A null prototype: a "__proto__" key stays a plain key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of keys.slice(0, count)) out[key] = source[key];
  return out;
}
