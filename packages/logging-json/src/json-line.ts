import {
  CONTEXT,
  eachContextField,
  eachField,
  FIELDS,
  messageText,
  overridesContext,
  SOURCE,
  timestamp,
  type ContextValues,
  type LogRecord,
  type LogSource,
} from "./log-record.js";
import type { Sanitizer } from "./sanitize.js";
import { ECS_VERSION, fieldName, type ServiceInfo } from "./service.js";

const PREFIX_CACHE_LIMIT = 10_000;
const OPEN_BRACE = 0x7b;

/**
 * Builds the function that renders one record as an ECS JSON line. The constant part
 * (pid, service, ECS version) is serialized once, the `log.logger` part once per child
 * logger, the request context part once per request (while its values stay the same);
 * each other field is serialized on its own, so a line is a few string concatenations plus
 * one `JSON.stringify` per field.
 */
export function createJsonLine(
  service: ServiceInfo,
  sanitizer: Sanitizer,
): (record: LogRecord) => string {
  const constant = constantPart(service);
  const field = createFieldWriter(sanitizer);
  const loggerParts = new WeakMap<LogSource, string>();
  const loggerPart = (source: LogSource | undefined): string => {
    if (source?.name === undefined) return "";
    let part = loggerParts.get(source);
    if (part === undefined) {
      part = `,"log.logger":${JSON.stringify(source.name)}`;
      loggerParts.set(source, part);
    }
    return part;
  };
  const contextParts = new WeakMap<ContextValues, string>();
  const contextPart = (context: ContextValues): string => {
    let part = contextParts.get(context);
    if (part === undefined) {
      let text = "";
      eachContextField(context, (key, value) => (text += field(key, value)));
      part = text;
      contextParts.set(context, part);
    }
    return part;
  };
  return (record) => {
    const context = record[CONTEXT];
    const cached = context !== undefined && !overridesContext(record[FIELDS]);
    let line =
      `{"@timestamp":"${timestamp(record)}","log.level":"${record.level}","message":` +
      JSON.stringify(sanitizer.sanitizeString(messageText(record))) +
      loggerPart(record[SOURCE]) +
      constant +
      (cached ? contextPart(context) : "");
    eachField(record, (key, value) => (line += field(key, value)), cached);
    return `${line}}`;
  };
}

/** `,"name":value` for one field, or "" when JSON would leave it out. */
function createFieldWriter(
  sanitizer: Sanitizer,
): (key: string, value: unknown) => string {
  const censor = JSON.stringify(sanitizer.censor);
  // `,"name":` for an object value and for any other value, computed once per name.
  const prefixes = new Map<string, readonly [string, string]>();
  return (key, value) => {
    const json = sanitizer.isSensitiveKey(key)
      ? censor
      : valueJson(value, sanitizer);
    if (json === undefined) return "";
    let cached = prefixes.get(key);
    if (cached === undefined) {
      const asObject = `,${JSON.stringify(fieldName(key, true))}:`;
      const asScalar = `,${JSON.stringify(fieldName(key, false))}:`;
      cached = [asObject, asScalar];
      if (prefixes.size >= PREFIX_CACHE_LIMIT) prefixes.clear();
      prefixes.set(key, cached);
    }
    return (json.charCodeAt(0) === OPEN_BRACE ? cached[0] : cached[1]) + json;
  };
}

function constantPart(service: ServiceInfo): string {
  const fields: Record<string, unknown> = {
    "process.pid": process.pid,
    "service.name": service.name,
  };
  if (service.version !== undefined)
    fields["service.version"] = service.version;
  if (service.environment !== undefined)
    fields["service.environment"] = service.environment;
  fields["event.dataset"] = service.name;
  fields["ecs.version"] = ECS_VERSION;
  return `,${JSON.stringify(fields).slice(1, -1)}`;
}

/** JSON of one field value, or undefined when JSON would leave the field out. */
export function valueJson(
  value: unknown,
  sanitizer: Sanitizer,
): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(sanitizer.sanitizeString(value));
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return `"${value.toString()}"`;
    case "object":
      // JSON.stringify gives undefined when a toJSON() returns undefined.
      return value === null
        ? "null"
        : JSON.stringify(sanitizer.sanitize(value));
    default:
      return undefined;
  }
}
