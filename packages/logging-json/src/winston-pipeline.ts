import winston from "winston";
import { DestinationTransport } from "./destination-transport.js";
import { LogLevels, type LogLevel } from "./levels.js";
import {
  FIELDS,
  FLUSH,
  MESSAGE,
  SOURCE,
  type LogRecord,
} from "./log-record.js";

/** What {@link createPipeline} needs. */
export interface PipelineOptions {
  readonly render: (record: LogRecord) => string;
  readonly level: LogLevel;
  readonly destination: NodeJS.WritableStream;
}

/** The winston logger writing rendered lines to the destination. */
export interface Pipeline {
  readonly winston: winston.Logger;
  /** Closes the winston logger and stops listening to the destination (never ends it). */
  detach(): void;
}

/**
 * Builds the winston logger: one format rendering each record into its line (flush
 * markers pass untouched), one transport writing lines to the destination. A failing
 * destination is reported once on stderr instead of crashing the application.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { render, level, destination } = options;
  const format = winston.format((info) => {
    const record = info as unknown as LogRecord;
    if (record[FLUSH] === undefined)
      record[MESSAGE] = renderSafely(render, record);
    return info;
  })();
  const transport = new DestinationTransport(destination);
  const logger = winston.createLogger({
    levels: { ...LogLevels },
    level,
    format,
  });
  // winston takes any object-mode Writable with a log() method; its types name its own class.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  logger.add(transport);
  const onError = reportOnce();
  logger.on("error", onError);
  destination.on("error", onError);
  return {
    winston: logger,
    detach: () => {
      logger.close();
      destination.off("error", onError);
    },
  };
}

function renderSafely(
  render: (record: LogRecord) => string,
  record: LogRecord,
): string {
  try {
    return render(record);
  } catch (error) {
    // Values are already guarded one by one; this is the last net, so a line is never lost.
    const reason = error instanceof Error ? error.message : "unknown error";
    const fields = { "log.error": `fields could not be written: ${reason}` };
    try {
      return render({
        ...record,
        [FIELDS]: fields,
        [SOURCE]: { name: record[SOURCE]?.name, bindings: undefined },
      });
    } catch {
      return JSON.stringify({
        "@timestamp": new Date().toISOString(),
        "log.level": record.level,
        ...fields,
      });
    }
  }
}

function reportOnce(): (error: Error) => void {
  let reported = false;
  return (error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(
      `[logging-json] log destination failed, lines may be lost: ${error.message}\n`,
    );
  };
}
