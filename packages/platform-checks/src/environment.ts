import type { Environment } from "./report.js";

const EXACT: ReadonlySet<string> = new Set([
  "prod",
  "integration",
  "test",
  "dev",
]);

/**
 * The environment `RUNNING_ENV` names: `prod`, `integration`, `test`, `dev` exactly (case
 * matters: the names are a contract), any `labs*` value is `labs`, unset or empty is `dev`,
 * anything else is `unknown`.
 */
export function resolveEnvironment(
  runningEnv: string | undefined,
): Environment {
  if (runningEnv === undefined || runningEnv === "") return "dev";
  if (EXACT.has(runningEnv)) return runningEnv as Environment;
  if (runningEnv.startsWith("labs")) return "labs";
  return "unknown";
}
