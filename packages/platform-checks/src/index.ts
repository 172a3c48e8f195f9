export {
  assertPlatform,
  checkPlatform,
  type CheckPlatformOptions,
} from "./check-platform.js";
export {
  CHECK_USAGE,
  EX_CONFIG,
  EX_USAGE,
  runCheckCli,
  type CheckCliResult,
} from "./cli.js";
export { resolveEnvironment } from "./environment.js";
export {
  isPlatformConfigError,
  PlatformConfigError,
  PlatformConfigErrorCode,
} from "./errors.js";
export {
  formatReport,
  REPORT_JSON_VERSION,
  reportToJson,
} from "./format-report.js";
export {
  probePlatform,
  type PlatformProbes,
  type Probe,
  type ProbePlatformOptions,
} from "./probes.js";
export type {
  AttachmentLocation,
  CheckReport,
  Environment,
  PlatformEnv,
  PlatformKind,
  Problem,
} from "./report.js";
export {
  isPlatformValues,
  readPlatformEnv,
  type PlatformValues,
  type StoreValues,
} from "./platform-values.js";
export { PlatformRule } from "./rules.js";
export { localIndexRefused } from "./rules/index-database.js";
export { SECRET_URL_VARIABLES, SECRET_VARIABLES } from "./secrets.js";
export { parseStrictBoolean } from "./values.js";
