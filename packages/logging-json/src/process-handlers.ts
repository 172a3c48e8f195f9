import { constants } from "node:os";
import type { Logger } from "./logger.js";

/** Options of {@link installProcessHandlers}. */
export interface ProcessHandlersOptions {
  /**
   * Signals on which the logger is flushed before the process exits.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * Exit after flushing on a signal, with code 128 + the signal number (143 for SIGTERM),
   * as a shell reports a process killed by it. Set false when the application has its own
   * graceful shutdown: it must then exit itself (a listener stops Node's default exit).
   * @default true
   */
  exitOnSignal?: boolean;
  /**
   * How long to wait for the flush before exiting anyway.
   * @default 5000
   */
  flushTimeoutMs?: number;
  /** The process to watch. @default process */
  process?: NodeJS.Process;
  /** Ends the process. @default process.exit */
  exit?: (code: number) => void;
}

/**
 * Opt-in process handlers: an uncaught exception or unhandled rejection is logged in full
 * (type, message, stack, cause chain), the logger flushed, and the process exits with code
 * 1; on a signal the logger is flushed before the process exits, so the tail of the log is
 * never lost. Returns a function removing the handlers.
 */
export function installProcessHandlers(
  logger: Pick<Logger, "error" | "info" | "flush">,
  options: ProcessHandlersOptions = {},
): () => void {
  const proc = options.process ?? process;
  const exit = options.exit ?? ((code: number) => proc.exit(code));
  const timeoutMs = options.flushTimeoutMs ?? 5000;
  let exiting = false;
  const flushThenExit = (code: number): void => {
    // A second fatal event while flushing: leave at once rather than hang.
    if (exiting) return exit(code);
    exiting = true;
    void flushWithin(logger, timeoutMs).then(() => exit(code));
  };
  const onException = (error: unknown, origin: string): void => {
    logger.error("uncaught exception, exiting", fatalFields(error, origin));
    flushThenExit(1);
  };
  const onRejection = (reason: unknown): void => {
    logger.error(
      "unhandled promise rejection, exiting",
      fatalFields(reason, "unhandledRejection"),
    );
    flushThenExit(1);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info(`received ${signal}, flushing logs`, {
      "process.signal": signal,
    });
    if (options.exitOnSignal === false) void flushWithin(logger, timeoutMs);
    else
      flushThenExit(
        128 + ((constants.signals[signal] as number | undefined) ?? 15),
      );
  };
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  proc.on("uncaughtException", onException);
  proc.on("unhandledRejection", onRejection);
  for (const signal of signals) proc.on(signal, onSignal);
  return () => {
    proc.off("uncaughtException", onException);
    proc.off("unhandledRejection", onRejection);
    for (const signal of signals) proc.off(signal, onSignal);
  };
}

function fatalFields(error: unknown, origin: string): Record<string, unknown> {
  if (error instanceof Error) return { error, "error.origin": origin };
  // A rejection with a non-error value: keep the value itself (sanitized like any field).
  return {
    error: {
      type: error === null ? "null" : typeof error,
      message: safeString(error),
    },
    reason: error,
    "error.origin": origin,
  };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

async function flushWithin(
  logger: Pick<Logger, "flush">,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([logger.flush(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
