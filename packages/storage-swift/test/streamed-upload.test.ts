import { afterAll, describe, expect, it } from "@jest/globals";
import { patternStream } from "@cloud-platform/storage-contract";
import { dropContainer, freshStore, tempAuth } from "./helpers.js";

const MiB = 1024 ** 2;

// One segment is 32 MiB: a streamed upload that never lets the event loop run inside a
// segment is seen at once.
const { store, container } = freshStore(tempAuth, {
  segmentSize: 32 * MiB,
  largeObjectThreshold: 32 * MiB,
});
afterAll(() => dropContainer(tempAuth, container));

/**
 * Runs `work` while counting event-loop turns (a `setImmediate` chain); answers the most
 * bytes the source handed over within one turn.
 */
async function bytesPerTurn(
  work: (onChunk: (chunk: Buffer) => void) => Promise<unknown>,
): Promise<number> {
  let turn = 0;
  let running = true;
  const spin = (): void => {
    turn++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  const perTurn = new Map<number, number>();
  try {
    await work((chunk) =>
      perTurn.set(turn, (perTurn.get(turn) ?? 0) + chunk.length),
    );
  } finally {
    running = false;
  }
  return Math.max(...perTurn.values());
}

describe("a streamed upload", () => {
  it("lets the event loop run every few MiB, whatever the segment size", async () => {
    const most = await bytesPerTurn((onChunk) =>
      store.put("streamed/large", patternStream(80 * MiB, { onChunk }), {
        size: 80 * MiB,
      }),
    );
    // Before, a whole 32 MiB segment went through on promises alone: no timer, no I/O
    // callback, no idle-time garbage collection, and its spent chunks piled up.
    expect(most).toBeLessThanOrEqual(4 * MiB);
    await store.delete("streamed/large");
  }, 300_000);

  it("lets the event loop run during a one-request streamed put too", async () => {
    const most = await bytesPerTurn((onChunk) =>
      store.put("streamed/single", patternStream(24 * MiB, { onChunk }), {
        size: 24 * MiB,
      }),
    );
    expect(most).toBeLessThanOrEqual(4 * MiB);
    await store.delete("streamed/single");
  }, 300_000);
});
