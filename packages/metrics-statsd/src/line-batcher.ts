/** Collects ready-made statsd lines and hands them on in packet-sized batches. */
export interface LineBatcher {
  /** Queues lines (`\n`-separated, ASCII); emits a batch when the next would not fit. */
  add(lines: string): void;
  /** Emits what is queued now. */
  drain(): void;
  /** Stops the timer after a last drain. */
  stop(): void;
}

/** Options of {@link createLineBatcher}. */
export interface LineBatcherOptions {
  /** Largest batch in bytes. */
  maxBytes: number;
  /** Queued lines are emitted after at most this long. */
  intervalMs: number;
  /** Receives each batch. */
  emit: (batch: string) => void;
}

/**
 * Batching before hot-shots: its buffer measures the whole pending packet on every metric,
 * which costs more than formatting them. Here the lines are joined once per packet.
 * Every name is ASCII (checked or sanitised), so string length is byte length.
 */
export function createLineBatcher(options: LineBatcherOptions): LineBatcher {
  let pending: string[] = [];
  let bytes = 0;
  const drain = (): void => {
    if (pending.length === 0) return;
    const batch = pending.join("\n");
    pending = [];
    bytes = 0;
    options.emit(batch);
  };
  const timer = setInterval(drain, options.intervalMs);
  timer.unref();
  return {
    add(lines) {
      if (bytes > 0 && bytes + 1 + lines.length > options.maxBytes) drain();
      bytes += (bytes > 0 ? 1 : 0) + lines.length;
      pending.push(lines);
    },
    drain,
    stop() {
      clearInterval(timer);
      drain();
    },
  };
}
