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
  /**
   * Writes one record: rendered and handed to the destination at once while the winston
   * logger is still as built here (our format, our one transport, nothing queued in its
   * streams), else through winston, so added transports, formats and listeners see it.
   */
  readonly write: (record: LogRecord) => void;
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
  const streams = logger as unknown as StreamStates;
  const streamWrite = baseWrite(logger);
  // The line takes the same steps winston's would (render, then the transport's write) with
  // none of the two streams' bookkeeping: two object-mode streams and two ticks per line.
  const asBuilt = (): boolean => {
    const readable = streams._readableState;
    const writable = streams._writableState;
    return (
      readable.pipes === transport &&
      readable.flowing === true &&
      readable.length === 0 &&
      writable.length === 0 &&
      writable.corked === 0 &&
      !writable.ending &&
      logger.format === format &&
      // Patched (OpenTelemetry's winston instrumentation adds trace fields in write()).
      logger.write === streamWrite &&
      !logger.silent &&
      logger.listenerCount("data") === 1
    );
  };
  return {
    winston: logger,
    write: (record) => {
      if (record[FLUSH] === undefined && asBuilt()) {
        record[MESSAGE] = renderSafely(render, record);
        transport.writeLine(record[MESSAGE]);
      } else {
        logger.write(record);
      }
    },
    detach: () => {
      logger.close();
      destination.off("error", onError);
    },
  };
}

/** The stream states winston's logger keeps (readable-stream 3: one pipe is the stream itself). */
interface StreamStates {
  _readableState: { pipes: unknown; flowing: boolean | null; length: number };
  _writableState: { length: number; corked: number; ending: boolean };
}

/** The stream's own `write`, before any subclass or instrumentation replaced it. */
function baseWrite(logger: winston.Logger): unknown {
  let found: unknown;
  for (
    let proto: object | null = logger;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    if (Object.hasOwn(proto, "write"))
      found = (proto as { write: unknown }).write;
  }
  return found;
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
