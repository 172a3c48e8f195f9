import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { describeStoreContract } from "@cloud-platform/storage-contract";
import { createFilesystemStore } from "../src/index.js";

let root: string;

describeStoreContract({
  name: "filesystem",
  create: async () => {
    root = await mkdtemp(join(tmpdir(), "cp-fs-contract-"));
    return createFilesystemStore({ root });
  },
  destroy: async () => rm(root, { recursive: true, force: true }),
});

describe("filesystem store reads", () => {
  const MiB = 1024 * 1024;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-fs-chunks-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const chunks = async (stream: AsyncIterable<Buffer>): Promise<number[]> => {
    const sizes: number[] = [];
    for await (const chunk of stream) sizes.push(chunk.length);
    return sizes;
  };

  it("reads in the chunk size asked for, and in Node's 64 KiB by default", async () => {
    const store = createFilesystemStore({ root: dir });
    await store.put("big.bin", Buffer.alloc(3 * MiB + 5, 1));
    expect(
      await chunks(await store.getStream("big.bin", { chunkSize: MiB })),
    ).toEqual([MiB, MiB, MiB, 5]);
    expect(
      await chunks(
        await store.getStream("big.bin", {
          chunkSize: MiB,
          range: { start: 10, end: MiB + 9 },
        }),
      ),
    ).toEqual([MiB]);
    const plain = await chunks(await store.getStream("big.bin"));
    expect(plain.length).toBe(Math.ceil((3 * MiB + 5) / (64 * 1024)));
  });
});
