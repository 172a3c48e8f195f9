import type winston from "winston";
import { LoggingError, LoggingErrorCode } from "./errors.js";
import { createJsonLine } from "./json-line.js";
import { isLogLevel, LogLevels, type LogLevel } from "./levels.js";
import {
  CONTEXT,
  contextSnapshot,
  FIELDS,
  FLUSH,
  LEVEL,
  SOURCE,
  TIME,
  type LogFields,
  type LogRecord,
  type LogSource,
} from "./log-record.js";
import type { ChildBindings, Logger } from "./logger.js";
import { resolveRedactOptions, type RedactOptions } from "./redact-options.js";
import { getRequestContext } from "./request-context.js";
import { createSanitizer } from "./sanitize.js";
import type { ServiceInfo } from "./service.js";
import { createTextLine } from "./text-line.js";
import { createPipeline } from "./winston-pipeline.js";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `service.name` (required), `service.version`, `service.environment`. */
  service: ServiceInfo;
  /**
   * `service.environment` when `service.environment` is not given: lets the result of
   * `loggingOptionsFromEnv()` be spread in as is.
   */
  environment?: string | undefined;
  /**
   * ECS JSON lines when true, readable one-line text when false.
   * @default true
   */
  json?: boolean | undefined;
  /**
   * The most verbose level written.
   * @default 'info'
   */
  level?: LogLevel | undefined;
  /**
   * Where lines go, one `write()` per line. Never ended by the logger.
   * @default process.stdout
   */
  destination?: NodeJS.WritableStream | undefined;
  /**
   * Redaction rules and size bounds; `false` keeps the bounds but redacts nothing.
   * @default the defaults of {@link RedactOptions}
   */
  redact?: RedactOptions | false | undefined;
}

interface Shared {
  readonly winston: winston.Logger;
  readonly write: (record: LogRecord) => void;
  readonly threshold: number;
  readonly level: LogLevel;
  closed: boolean;
  close(): Promise<void>;
}

/**
 * Creates the root logger: winston with an ECS JSON (or readable) format, the request
 * context on every line, secrets redacted.
 *
 * @throws {LoggingError} `E_INVALID_OPTION` when the service name, the level, the
 * destination or a redaction bound is invalid.
 */
export function createLogger(options: LoggerOptions): Logger {
  const service = checkService(options);
  const level = options.level ?? "info";
  if (!isLogLevel(level))
    invalid("level", "level must be one of error, warn, info, debug");
  const destination = options.destination ?? process.stdout;
  if (typeof (destination as { write?: unknown }).write !== "function") {
    invalid("destination", "destination must be a writable stream");
  }
  const sanitizer = createSanitizer(resolveRedactOptions(options.redact));
  const render =
    options.json === false
      ? createTextLine(service, sanitizer)
      : createJsonLine(service, sanitizer);
  const pipeline = createPipeline({ render, level, destination });
  const logger = pipeline.winston;
  let closing: Promise<void> | undefined;
  const shared: Shared = {
    winston: logger,
    write: pipeline.write,
    threshold: LogLevels[level],
    level,
    closed: false,
    // Every caller waits for the same close: concurrent calls flush and detach once.
    close: () =>
      (closing ??= flush(shared).then(() => {
        shared.closed = true;
        pipeline.detach();
      })),
  };
  return makeLogger(shared, { name: undefined, bindings: undefined });
}

function makeLogger(shared: Shared, source: LogSource): Logger {
  const at =
    (level: LogLevel) =>
    (message: string | Error, fields?: LogFields | Error) => {
      write(shared, source, level, message, fields);
    };
  return {
    name: source.name,
    level: shared.level,
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
    log: (level, message, fields) => {
      write(shared, source, level, message, fields);
    },
    isLevelEnabled: (level) => LogLevels[level] <= shared.threshold,
    child: (bindings) => makeLogger(shared, childSource(source, bindings)),
    flush: () => flush(shared),
    close: () => shared.close(),
    winston: shared.winston,
  };
}

function write(
  shared: Shared,
  source: LogSource,
  level: LogLevel,
  message: string | Error,
  fields?: LogFields | Error,
): void {
  // Written as a negation so that an unknown level (untyped callers) is dropped too.
  if (shared.closed || !(LogLevels[level] <= shared.threshold)) return;
  let text: string;
  let own = ownFields(fields);
  if (message instanceof Error) {
    text = message.message;
    own = { ...own, error: message };
  } else {
    text = message;
  }
  const context = getRequestContext();
  const record: LogRecord = {
    level,
    message: text,
    [LEVEL]: level,
    [FIELDS]: own,
    [TIME]: Date.now(),
    [SOURCE]: source,
    [CONTEXT]: context === undefined ? undefined : contextSnapshot(context),
  };
  shared.write(record);
}

// Untyped callers pass anything: a string or number must not be iterated character by
// character as if it were an object.
function ownFields(fields: unknown): LogFields | undefined {
  if (fields === undefined || fields === null) return undefined;
  if (fields instanceof Error) return { error: fields };
  return typeof fields === "object" ? (fields as LogFields) : { extra: fields };
}

function flush(shared: Shared): Promise<void> {
  if (shared.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const marker: LogRecord = {
      level: "error",
      message: "",
      [LEVEL]: "error",
      [FLUSH]: resolve,
    };
    shared.winston.write(marker);
  });
}

function childSource(parent: LogSource, bindings: ChildBindings): LogSource {
  const { component, ...fields } = bindings;
  if (typeof component !== "string" || component === "") {
    invalid("component", "child() needs a non-empty string component");
  }
  const name =
    parent.name === undefined ? component : `${parent.name}.${component}`;
  const merged = { ...parent.bindings, ...fields };
  return {
    name,
    bindings: Object.keys(merged).length === 0 ? undefined : merged,
  };
}

function checkService(options: LoggerOptions): ServiceInfo {
  const service = (options as Partial<LoggerOptions>).service;
  if (
    service === undefined ||
    typeof service.name !== "string" ||
    service.name.trim() === ""
  ) {
    invalid("service.name", "service.name is required (a non-empty string)");
  }
  return {
    ...service,
    environment: service.environment ?? options.environment,
  };
}

function invalid(variable: string, message: string): never {
  throw new LoggingError(LoggingErrorCode.InvalidOption, variable, message);
}
