import type { CheckReport, Problem } from "./report.js";

/** Version of the JSON layout {@link reportToJson} writes; bumped on a breaking change. */
export const REPORT_JSON_VERSION = 1;

function block(mark: string, problem: Problem): string {
  return [
    `${mark} ${problem.variable}  [${problem.rule}]`,
    `    ${problem.message}`,
    `    hint: ${problem.hint}`,
  ].join("\n");
}

function headline(report: CheckReport): string {
  const where = `environment: ${report.environment}${report.runningEnv !== "" && report.runningEnv !== report.environment ? ` (RUNNING_ENV=${report.runningEnv})` : ""}`;
  if (report.unsafe)
    return `cloud-platform: !!! START-UP CHECKS SKIPPED (ODOO_CLOUD_PLATFORM_UNSAFE) !!! (${where})`;
  if (report.ok) return `cloud-platform: configuration OK (${where})`;
  const count = report.problems.length;
  return `cloud-platform: refusing to start: ${count} problem${count === 1 ? "" : "s"} (${where})`;
}

/**
 * The report for humans: a headline, then one block per problem (`✗`) and per warning
 * (`!`), each with the variable, the rule id, the message and a hint.
 */
export function formatReport(report: CheckReport): string {
  const blocks = [
    ...report.problems.map((problem) => block("✗", problem)),
    ...report.warnings.map((warning) => block("!", warning)),
  ];
  return [headline(report), ...blocks].join("\n\n") + "\n";
}

/**
 * The report for deploy pipelines: the {@link CheckReport} fields plus `version`, as
 * indented JSON text.
 */
export function reportToJson(report: CheckReport): string {
  const { ok, environment, runningEnv, unsafe, problems, warnings } = report;
  return (
    JSON.stringify(
      {
        version: REPORT_JSON_VERSION,
        ok,
        environment,
        runningEnv,
        unsafe,
        problems,
        warnings,
      },
      null,
      2,
    ) + "\n"
  );
}
