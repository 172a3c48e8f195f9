import type { EnvReader } from "@cloud-platform/env";
import type { MetricsConfigProblem } from "./errors.js";

/** The reader's problems in this package's shape (its message is the broken rule's text). */
export function readerProblems(read: EnvReader): MetricsConfigProblem[] {
  return read.problems.map((p) => ({
    variable: p.variable,
    rule: p.message,
    message: p.message,
    hint: p.hint,
  }));
}
