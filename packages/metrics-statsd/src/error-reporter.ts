import { MetricsError, MetricsErrorCode } from "./errors.js";

/** Options of {@link createErrorReporter}. */
export interface ErrorReporterOptions {
  /** Where reports go. */
  onError: (error: MetricsError) => void;
  /** Minimum time between two reports of the same error code. */
  intervalMs: number;
  /** The statsd target, named in the message. */
  target: string;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "EUNKNOWN";
}

/**
 * Turns a stream of send failures into rare reports: the first failure of each error code
 * is reported at once, later ones of the same code are counted and reported at most once
 * per interval, so a dead statsd host logs one line, not one per request.
 */
export function createErrorReporter(
  options: ErrorReporterOptions,
): (error: unknown) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (error) => {
    const code = errorCode(error);
    const now = Date.now();
    const seen = last.get(code);
    if (seen && now - seen.at < options.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    last.set(code, { at: now, suppressed: 0 });
    const detail = error instanceof Error ? error.message : String(error);
    const more =
      suppressed > 0
        ? ` (${suppressed} similar failures since the last report)`
        : "";
    const report = new MetricsError(
      MetricsErrorCode.StatsdSend,
      `statsd: sending to ${options.target} failed with ${code}: ${detail}${more}`,
      { cause: error, suppressed },
    );
    try {
      options.onError(report);
    } catch {
      // A throwing onError must not turn a lost metric into a failed request.
    }
  };
}
