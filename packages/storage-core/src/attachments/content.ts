import { createHash, randomBytes, randomInt, type Hash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";

let lastMs = 0;
let sequence = 0;

/**
 * A time-ordered UUID (RFC 9562 version 7): ids sort by creation time, also within one
 * millisecond of one process (a 12-bit counter in `rand_a`, RFC 9562 method 1).
 */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = randomInt(0, 0x800); // a random start that leaves room to count up
  } else if (++sequence > 0xfff) {
    lastMs += 1; // counter exhausted: borrow the next millisecond
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes.writeUInt16BE(0x7000 | sequence, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SHA-256 of bytes, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Key of content-addressed bytes: `ab/cd/<sha256 hex>`. The two fan-out levels keep
 * filesystem directories small (65,536 of them at most).
 */
export function contentKey(checksum: string): string {
  return `${checksum.slice(0, 2)}/${checksum.slice(2, 4)}/${checksum}`;
}

/** Key of streamed bytes (content unknown up front): `u/<xx>/<uuid v7>`, fanned out on random bits. */
export function uniqueKey(): string {
  const id = uuidv7();
  return `u/${id.slice(-2)}/${id}`;
}

/** A pass-through stream that counts and hashes what flows through it. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  /** Bytes seen so far. */
  size = 0;
  private digestHex: string | undefined;

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: TransformCallback,
  ): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** The SHA-256 hex of everything that went through; call once the stream ended. */
  digest(): string {
    this.digestHex ??= this.hash.digest("hex");
    return this.digestHex;
  }
}

/** What {@link peekBytes} found at the start of a stream. */
export interface Peeked {
  /** The bytes read. */
  head: Buffer;
  /** True when the stream ended within the limit (`head` is the whole body). */
  ended: boolean;
  /** The whole body again (head, then the rest), as a stream. */
  body: Readable;
}

/**
 * Reads up to `limit + 1` bytes of `source` to learn whether it is at most `limit` bytes long,
 * without losing anything: `body` replays the head and continues with the rest.
 */
export async function peekBytes(
  source: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield Buffer.from(next.value);
    }
  }
  return { head, ended, body: Readable.from(replay(), { objectMode: false }) };
}
