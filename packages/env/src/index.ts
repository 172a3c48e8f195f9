export { brand, hasBrand } from "./brand.js";
export {
  CONFIG_ERROR_CODE,
  ConfigError,
  isConfigError,
  type ConfigErrorOptions,
} from "./config-error.js";
export { createEnvReader } from "./env-reader.js";
export type { EnvReader, UrlReadOptions } from "./env-reader.js";
export { FormatRule } from "./problem.js";
export type { ConfigProblem, Env } from "./problem.js";
export {
  REDACTED,
  cut,
  redact,
  redactAndCut,
  redactUrlCredentials,
  show,
} from "./redact.js";
export { parseBoolean, parseDigits, parseDuration, trimmed } from "./words.js";
