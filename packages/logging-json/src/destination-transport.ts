import { Writable } from "node:stream";
import { FLUSH, MESSAGE, type LogRecord } from "./log-record.js";

/**
 * The winston transport: writes each rendered line to the destination and knows how many
 * writes the destination has not confirmed yet, so a flush marker travelling behind the
 * lines resolves only once all of them are out (winston's own `finish` event fires too
 * early for that).
 */
export class DestinationTransport extends Writable {
  private pending = 0;
  private waiters: (() => void)[] = [];
  // One shared callback: no closure per line.
  private readonly written = (): void => {
    this.pending -= 1;
    if (this.pending === 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  };

  constructor(private readonly destination: NodeJS.WritableStream) {
    super({ objectMode: true });
  }

  /**
   * True when a healthy destination buffers nothing: every line went to its resource. A
   * stream whose `write` was wrapped without its callback (jest's reporter wraps
   * process.stdout so) never confirms a line; without this a flush, and so `close()`, never
   * resolved. A failed write leaves `errored` set: then the callbacks are awaited.
   */
  private handedOver(): boolean {
    const { writableLength, errored } = this.destination as {
      writableLength?: unknown;
      errored?: unknown;
    };
    return writableLength === 0 && (errored === null || errored === undefined);
  }

  /** Writes one rendered line (the path of lines that skip winston's streams). */
  writeLine(line: string): void {
    this.pending += 1;
    this.destination.write(`${line}\n`, this.written);
  }

  /** winston's transport contract (it checks that this method exists); same as a write. */
  log(record: LogRecord, next: () => void): void {
    this._write(record, "utf8", next);
  }

  override _write(
    record: LogRecord,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const flush = record[FLUSH];
    if (flush !== undefined) {
      if (this.pending === 0 || this.handedOver()) flush();
      else this.waiters.push(flush);
    } else {
      this.writeLine(record[MESSAGE] ?? "");
    }
    // Called at once, as winston's Stream transport does: the destination's own buffer, not
    // this transport, absorbs bursts.
    callback();
  }
}
