export { createLogger, type LoggerOptions } from "./create-logger.js";
export type { ChildBindings, Logger, LogMethod } from "./logger.js";
export type { LogFields } from "./log-record.js";
export { LogLevels, isLogLevel, type LogLevel } from "./levels.js";
export type { ServiceInfo } from "./service.js";
export { defaultRedactKeys, type RedactOptions } from "./redact-options.js";
export {
  serializeError,
  type EcsError,
  type EcsErrorLink,
} from "./serialize-error.js";
export {
  loggingOptionsFromEnv,
  type LoggingEnvOptions,
} from "./options-from-env.js";
export { LoggingError, LoggingErrorCode, isLoggingError } from "./errors.js";
export {
  getRequestContext,
  isValidTraceparent,
  runWithRequestContext,
  setRequestContext,
  type RequestContext,
  type RequestContextUpdate,
} from "./request-context.js";
export {
  requestContextMiddleware,
  isSafeRequestId,
  type RequestContextMiddlewareOptions,
} from "./request-context-middleware.js";
export {
  accessLogMiddleware,
  type AccessLogOptions,
} from "./access-log-middleware.js";
export type { Middleware } from "./middleware.js";
export {
  installProcessHandlers,
  type ProcessHandlersOptions,
} from "./process-handlers.js";
