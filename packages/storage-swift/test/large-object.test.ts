import { afterAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { isStorageError } from "@cloud-platform/storage-core";
import {
  containerNames,
  dropContainer,
  freshStore,
  swiftRaw,
  tempAuth,
} from "./helpers.js";
import { createSwiftStore } from "../src/swift-store.js";

// Small segments so that a few hundred KB make a multi-segment Static Large Object.
const { store, container } = freshStore(tempAuth, {
  segmentSize: 64 * 1024,
  largeObjectThreshold: 100 * 1024,
});
const segments = `${container}_segments`;
afterAll(() => dropContainer(tempAuth, container));

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function chunked(data: Buffer, chunk = 10_000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk)
    parts.push(data.subarray(i, i + chunk));
  return Readable.from(parts);
}

function failingAfter(data: Buffer, at: number): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(data.subarray(0, at));
      } else this.destroy(new Error("source broke"));
    },
  });
}

const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");

describe("static large objects", () => {
  it("creates the missing <container>_segments on the first large upload, even without createContainer", async () => {
    const own = `${container}-own`;
    await (await swiftRaw(tempAuth, "PUT", `/${own}`)).text();
    const plain = createSwiftStore({
      container: own,
      auth: tempAuth,
      segmentSize: 64 * 1024,
      largeObjectThreshold: 100 * 1024,
    });
    try {
      expect(await containerNames(tempAuth, `${own}_segments`)).toBeUndefined();
      const data = bytes(200_000, 7);
      await plain.put("large", data);
      expect(md5(await plain.get("large"))).toBe(md5(data));
      expect((await containerNames(tempAuth, `${own}_segments`))!.length).toBe(
        4,
      );
    } finally {
      await dropContainer(tempAuth, own);
    }
  });

  it("stores a buffer above the threshold as an SLO and reads it back", async () => {
    const data = bytes(300_000, 1);
    const result = await store.put("big/buffer", data, {
      contentType: "application/x-test",
    });
    expect(result.size).toBe(data.length);
    const head = await swiftRaw(tempAuth, "HEAD", `/${container}/big/buffer`);
    expect(head.headers.get("x-static-large-object")).toBe("True");
    expect(md5(await store.get("big/buffer"))).toBe(md5(data));
    expect(
      (await containerNames(tempAuth, segments, "big/buffer/"))!.length,
    ).toBe(5);
  });

  it("streams a body of unknown size as an SLO, with ranges across segments", async () => {
    const data = bytes(250_000, 2);
    await store.put("big/stream", chunked(data));
    expect((await store.head("big/stream")).size).toBe(data.length);
    const slice = await store.getStream("big/stream", {
      range: { start: 60_000, end: 140_000 },
    });
    const parts: Buffer[] = [];
    for await (const part of slice) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(data.subarray(60_000, 140_001))).toBe(
      true,
    );
  });

  it("stores an SLO under a key with unicode, spaces and URL-special characters", async () => {
    const key = "big/ünï cødé 100% ?#&+.bin";
    const data = bytes(180_000, 15);
    await store.put(key, data);
    expect(md5(await store.get(key))).toBe(md5(data));
    await store.copy(key, `${key} copy`);
    await store.delete(key);
    expect(md5(await store.get(`${key} copy`))).toBe(md5(data));
  });

  it("lists an SLO with its full size", async () => {
    await store.put("big/listed", bytes(200_000, 3));
    const entries = [];
    for await (const entry of store.list("big/listed")) entries.push(entry);
    expect(entries).toEqual([
      expect.objectContaining({ key: "big/listed", size: 200_000 }),
    ]);
  });

  it("removes the segments when the SLO is deleted", async () => {
    await store.put("big/deleted", bytes(200_000, 4));
    expect(
      (await containerNames(tempAuth, segments, "big/deleted/"))!.length,
    ).toBeGreaterThan(0);
    await store.delete("big/deleted");
    expect(await store.exists("big/deleted")).toBe(false);
    expect(await containerNames(tempAuth, segments, "big/deleted/")).toEqual(
      [],
    );
  });

  it("removes the old segments when an SLO is replaced by another", async () => {
    await store.put("big/replaced", bytes(200_000, 5));
    const before = await containerNames(tempAuth, segments, "big/replaced/");
    const data = bytes(150_000, 6);
    await store.put("big/replaced", data);
    const after = await containerNames(tempAuth, segments, "big/replaced/");
    expect(after!.length).toBe(3);
    expect(after!.some((name) => before!.includes(name))).toBe(false);
    expect(md5(await store.get("big/replaced"))).toBe(md5(data));
  });

  it("leaves a whole object when two large uploads of the same key race", async () => {
    const a = bytes(300_000, 16);
    const b = bytes(300_000, 17);
    await store.put("big/raced", bytes(200_000, 18));
    await Promise.all([
      store.put("big/raced", chunked(a)),
      store.put("big/raced", chunked(b)),
    ]);
    expect([md5(a), md5(b)]).toContain(md5(await store.get("big/raced")));
    // No segment set leaks: the loser dropped its own, or what is left is a listed leftover.
    for await (const leftover of store.listLeftovers!()) {
      expect(leftover).toMatchObject({ kind: "segments", key: "big/raced" });
      await store.removeLeftover!(leftover);
    }
    const left = await containerNames(tempAuth, segments, "big/raced/");
    expect(left).toHaveLength(Math.ceil(300_000 / (64 * 1024)));
    expect(md5(await store.get("big/raced"))).toMatch(/^[0-9a-f]{32}$/);
  });

  it("lists the segments of an upload cut before its manifest as a leftover, and removes them", async () => {
    const error = await store
      .put("big/cut", failingAfter(bytes(300_000, 30), 250_000))
      .catch((e: unknown) => e);
    expect(isStorageError(error)).toBe(true);
    // The store cleans up after a failure it sees; a killed process cannot: simulate one.
    await swiftRaw(
      tempAuth,
      "PUT",
      `/${segments}/big/cut/slo/${Date.now().toString(36)}-0badc0de/00000001`,
      { body: "orphan segment" },
    ).then((r) => r.text());
    const found = [];
    for await (const leftover of store.listLeftovers!()) found.push(leftover);
    expect(found).toEqual([
      expect.objectContaining({ kind: "segments", key: "big/cut", size: 14 }),
    ]);
    await store.removeLeftover!(found[0]!);
    expect(await containerNames(tempAuth, segments, "big/cut/")).toEqual([]);
  });

  it("removes the segments a plain put over an SLO left behind when the key is deleted", async () => {
    await store.put("big/shrunk", bytes(200_000, 11));
    await store.put("big/shrunk", "small now");
    expect((await store.get("big/shrunk")).toString()).toBe("small now");
    await store.delete("big/shrunk");
    expect(await containerNames(tempAuth, segments, "big/shrunk/")).toEqual([]);
  });

  it("removes the segments of an SLO that a copy of a plain object replaces", async () => {
    await store.put("big/overcopied", bytes(200_000, 14));
    expect(
      (await containerNames(tempAuth, segments, "big/overcopied/"))!.length,
    ).toBeGreaterThan(0);
    await store.put("small/source", "small and plain");
    await store.copy("small/source", "big/overcopied");
    expect((await store.get("big/overcopied")).toString()).toBe(
      "small and plain",
    );
    expect(await containerNames(tempAuth, segments, "big/overcopied/")).toEqual(
      [],
    );
  });

  it("leaves the segments of a key that extends the deleted one alone", async () => {
    const inner = bytes(150_000, 12);
    await store.put("nest", bytes(150_000, 13));
    await store.put("nest/slo/inner", inner);
    await store.delete("nest");
    expect(md5(await store.get("nest/slo/inner"))).toBe(md5(inner));
  });

  it("deletes many objects, large ones with their segments", async () => {
    await store.put("many/plain", "x");
    await store.put("many/large", bytes(150_000, 14));
    await store.deleteMany!(["many/plain", "many/large", "many/missing"]);
    expect(await store.exists("many/plain")).toBe(false);
    expect(await store.exists("many/large")).toBe(false);
    expect(await containerNames(tempAuth, segments, "many/")).toEqual([]);
  });

  it("deletes a garbage collection's worth of keys in bulk, large ones with their segments, others' segments kept", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `bulk/k${i}`);
    await Promise.all(keys.slice(2).map((key) => store.put(key, key)));
    await store.put("bulk/k0", bytes(150_000, 40));
    await store.put("bulk/k1", bytes(150_000, 41));
    await store.put("bulk/kept", bytes(150_000, 42));
    await store.deleteMany!([...keys, "bulk/missing"]);
    for (const key of keys) expect(await store.exists(key)).toBe(false);
    expect(await containerNames(tempAuth, segments, "bulk/k0/")).toEqual([]);
    expect(await containerNames(tempAuth, segments, "bulk/k1/")).toEqual([]);
    expect(md5(await store.get("bulk/kept"))).toBe(md5(bytes(150_000, 42)));
  });

  it("copies an SLO into an independent one: deleting the source keeps the copy whole", async () => {
    const data = bytes(220_000, 7);
    await store.put("big/original", data, { metadata: { tag: "x" } });
    await store.copy("big/original", "big/copy");
    await store.delete("big/original");
    expect(md5(await store.get("big/copy"))).toBe(md5(data));
    expect((await store.head("big/copy")).metadata).toEqual({ tag: "x" });
  });

  it("stores nothing, not even segments, when the source fails after several segments", async () => {
    const error = await store
      .put("big/broken", failingAfter(bytes(200_000, 8), 200_000))
      .catch((e: unknown) => e);
    expect(isStorageError(error)).toBe(true);
    expect(await store.exists("big/broken")).toBe(false);
    expect(await containerNames(tempAuth, segments, "big/broken/")).toEqual([]);
  });

  it("stores nothing when a streamed body is shorter than its declared size", async () => {
    const error = await store
      .put("big/short", chunked(bytes(150_000, 9)), { size: 160_000 })
      .catch((e: unknown) => e);
    expect(isStorageError(error, "E_INTEGRITY")).toBe(true);
    expect(await store.exists("big/short")).toBe(false);
    expect(await containerNames(tempAuth, segments, "big/short/")).toEqual([]);
  });

  it("stores nothing when the upload is aborted mid-way", async () => {
    const controller = new AbortController();
    const source = new Readable({ read() {} });
    source.push(bytes(150_000, 10));
    const pending = store.put("big/aborted", source, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    const error = await pending.catch((e: unknown) => e);
    expect(isStorageError(error, "E_ABORTED")).toBe(true);
    expect(await store.exists("big/aborted")).toBe(false);
    expect(await containerNames(tempAuth, segments, "big/aborted/")).toEqual(
      [],
    );
  });
});
