import type winston from "winston";
import type { LogLevel } from "./levels.js";
import type { LogFields } from "./log-record.js";

/** What `child()` binds: the component name (`log.logger`) and any fields to repeat. */
export interface ChildBindings {
  /** Appended to the parent's `log.logger` with a dot (`storage` → `storage.s3`). */
  component: string;
  /** More fields written on every line of the child. */
  readonly [field: string]: unknown;
}

/**
 * Writes one log event. `fields` may be an Error (written as `error.*`); `message` may be
 * an Error too (its message becomes the line's message and it is written as `error.*`).
 */
export type LogMethod = (
  message: string | Error,
  fields?: LogFields | Error,
) => void;

/** A logger made by `createLogger`, or a child of one. */
export interface Logger {
  /** `log.logger` of this logger; undefined for the root logger. */
  readonly name: string | undefined;
  /** The most verbose level written (shared by the root logger and all its children). */
  readonly level: LogLevel;
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  /** Writes at the given level. */
  log(
    level: LogLevel,
    message: string | Error,
    fields?: LogFields | Error,
  ): void;
  /** True when a line at `level` would be written: guard costly field computations. */
  isLevelEnabled(level: LogLevel): boolean;
  /**
   * A logger for one component, sharing this one's destination, level and context.
   * @throws {LoggingError} `E_INVALID_OPTION` when `component` is not a non-empty string.
   */
  child(bindings: ChildBindings): Logger;
  /** Resolves once every line logged before the call has been accepted by the destination. */
  flush(): Promise<void>;
  /**
   * Flushes, then detaches from the destination (which is never ended: it is the caller's,
   * e.g. stdout). Lines logged afterwards are dropped. Idempotent.
   */
  close(): Promise<void>;
  /** The underlying winston logger, to add transports; prefer the methods above. */
  readonly winston: winston.Logger;
}
