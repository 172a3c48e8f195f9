import { checkPlatform, type CheckPlatformOptions } from "./check-platform.js";
import { formatReport, reportToJson } from "./format-report.js";
import type { PlatformValues } from "./platform-values.js";
import type { PlatformEnv } from "./report.js";

/** sysexits.h `EX_CONFIG`: the exit code of a start or a `check` refused for configuration. */
export const EX_CONFIG = 78;

/** sysexits.h `EX_USAGE`: the command line itself is wrong. */
export const EX_USAGE = 64;

/** What the `check` command prints and the code it exits with. */
export interface CheckCliResult {
  /** 0 when the platform may start, {@link EX_CONFIG} when refused, {@link EX_USAGE} on bad arguments. */
  exitCode: number;
  /** The text (or, with `--json`, JSON) report, ending with a newline. */
  output: string;
}

/** The usage line of `cloud-platform check`. */
export const CHECK_USAGE = "usage: cloud-platform check [--json]\n";

/**
 * The `cloud-platform check [--json]` command without the process around it: the caller
 * prints `output` (to stdout when `exitCode` is 0, else stderr is fine too) and exits with
 * `exitCode`. `argv` holds the arguments after `check`; `input` is the parsed configuration
 * or the environment (see {@link checkPlatform}).
 *
 * @throws {PlatformConfigError} `E_INVALID_OPTION` when an option is invalid.
 */
export function runCheckCli(
  input: PlatformEnv | PlatformValues,
  argv: readonly string[],
  options: CheckPlatformOptions,
): CheckCliResult {
  if (argv.includes("--help") || argv.includes("-h"))
    return { exitCode: 0, output: CHECK_USAGE };
  const unknown = argv.filter((arg) => arg !== "--json");
  if (unknown.length > 0) {
    return {
      exitCode: EX_USAGE,
      output: `cloud-platform check: unknown argument ${JSON.stringify(unknown[0])}\n${CHECK_USAGE}`,
    };
  }
  const report = checkPlatform(input, options);
  const output = argv.includes("--json")
    ? reportToJson(report)
    : formatReport(report);
  return { exitCode: report.ok ? 0 : EX_CONFIG, output };
}
