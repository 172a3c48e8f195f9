import { valueJson } from "./json-line.js";
import {
  eachField,
  messageText,
  SOURCE,
  timestamp,
  type LogRecord,
} from "./log-record.js";
import type { Sanitizer } from "./sanitize.js";
import { fieldName, type ServiceInfo } from "./service.js";

const BARE = /^[^\s"=\\]+$/;

/**
 * Builds the function that renders one record as a readable line, for a terminal:
 * `<timestamp> <LEVEL> <service>@<version>/<environment> [<pid>] <logger>: <message> key=value…`.
 * Same fields and redaction as the JSON line; values with spaces or newlines are JSON-quoted,
 * so an event (stack traces included) is always one line.
 */
export function createTextLine(
  service: ServiceInfo,
  sanitizer: Sanitizer,
): (record: LogRecord) => string {
  const who =
    service.name +
    (service.version === undefined ? "" : `@${service.version}`) +
    (service.environment === undefined ? "" : `/${service.environment}`) +
    ` [${process.pid}]`;
  return (record) => {
    let line =
      `${timestamp(record)} ${record.level.toUpperCase().padEnd(5)} ${who} ` +
      `${record[SOURCE]?.name ?? "-"}: ${oneLine(sanitizer.sanitizeString(messageText(record)))}`;
    eachField(record, (key, value) => {
      const text = sanitizer.isSensitiveKey(key)
        ? sanitizer.censor
        : valueText(value, sanitizer);
      if (text !== undefined) {
        line += ` ${fieldName(key, isPlainObject(value))}=${text}`;
      }
    });
    return line;
  };
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueText(value: unknown, sanitizer: Sanitizer): string | undefined {
  if (typeof value === "string") {
    const safe = sanitizer.sanitizeString(value);
    return BARE.test(safe) ? safe : JSON.stringify(safe);
  }
  return valueJson(value, sanitizer);
}

function oneLine(text: string): string {
  return text.includes("\n") || text.includes("\r")
    ? text.replace(/\r/g, "\\r").replace(/\n/g, "\\n")
    : text;
}
