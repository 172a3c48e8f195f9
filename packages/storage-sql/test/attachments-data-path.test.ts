import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  StorageErrorCode,
  createAttachments,
  isStorageError,
  writeAttachmentSettings,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (e: unknown) => (isStorageError(e) ? e.code : e),
  );
}

/** Reads a stream to its end or its error: the bytes that went out, and the error. */
async function drain(
  stream: Readable,
): Promise<{ bytes: number; error: unknown }> {
  let bytes = 0;
  try {
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return { bytes, error: undefined };
  } catch (error) {
    return { bytes, error };
  }
}

/** Bytes of several chunks, so a stream carries them in more than one piece. */
function chunked(size: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < size; at += 16 * 1024)
    parts.push(Buffer.alloc(Math.min(16 * 1024, size - at), at % 251));
  return Readable.from(parts, { objectMode: false });
}

describe.each(BACKENDS)("the data path on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    stores = testStores(index, db.dir);
  });
  afterAll(async () => {
    await index.close();
    await db.destroy();
  });

  describe("reading corrupted bytes (defect 3)", () => {
    it("never sends the complete body of an object whose bytes changed", async () => {
      const s3 = testAttachments(index, stores, "s3");
      const record = await s3.create({
        name: "big.bin",
        body: chunked(200_000),
      });
      const key = record.ref.replace("s3://ours/", "");
      const bad = await stores.ours.get(key);
      bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
      await stores.ours.put(key, bad);
      const { bytes, error } = await drain((await s3.open(record.id)).stream);
      expect(isStorageError(error) && error.code).toBe(
        StorageErrorCode.Integrity,
      );
      expect(bytes).toBeLessThan(record.size);
    });

    it("does not serve a range of a corrupted object as good", async () => {
      const s3 = testAttachments(index, stores, "s3");
      const record = await s3.create({ name: "r.bin", body: chunked(100_000) });
      const key = record.ref.replace("s3://ours/", "");
      const bad = await stores.ours.get(key);
      bad.writeUInt8(bad.readUInt8(99_000) ^ 0xff, 99_000);
      await stores.ours.put(key, bad);
      const opened = await s3.open(record.id, {
        range: { start: 10, end: 20 },
      });
      const { bytes, error } = await drain(opened.stream);
      expect(isStorageError(error) && error.code).toBe(
        StorageErrorCode.Integrity,
      );
      expect(bytes).toBeLessThan(opened.size);
    });

    it("still serves a range of good bytes exactly", async () => {
      const s3 = testAttachments(index, stores, "s3");
      const body = Buffer.from("0123456789abcdefghij");
      const record = await s3.create({
        name: "g.txt",
        body: Readable.from([body]),
      });
      const opened = await s3.open(record.id, { range: { start: 5, end: 9 } });
      const parts: Buffer[] = [];
      for await (const chunk of opened.stream) parts.push(chunk as Buffer);
      expect(Buffer.concat(parts).toString()).toBe("56789");
    });
  });

  describe("a buffer whose bytes vanish before the row commits (defect 4)", () => {
    it("records no attachment whose object is missing when storing them again fails", async () => {
      const body = Buffer.from("vanishing bytes");
      const before = await index.stats();
      const cloud = testAttachments(index, stores, "s3");
      const a = await cloud.create({ name: "a.bin", body });
      let looked = false;
      // The bytes were there when checked, then the delete of their last user collected
      // them, and putting them back fails (the store is down).
      const racing: ObjectStore = {
        ...stores.ours,
        exists: async (key) => {
          const found = await stores.ours.exists(key);
          if (!looked) {
            looked = true;
            expect(await cloud.delete(a.id)).toBe(true);
          }
          return found;
        },
        put: () => Promise.reject(new Error("store down")),
      };
      const s3 = createAttachments({
        index,
        location: "s3",
        stores: { objectStorage: { kind: "s3", write: racing } },
      });
      await expect(s3.create({ name: "v.bin", body })).rejects.toThrow(
        "store down",
      );
      expect(await index.stats()).toEqual(before);
    });
  });

  describe("settings changed by another process (defect 5)", () => {
    it("sees a location change within the refresh delay, without a restart", async () => {
      const service = createAttachments({
        index,
        settingsRefreshMs: 50,
        stores: {
          file: stores.file,
          db: stores.db,
          objectStorage: { kind: "s3", write: stores.ours },
        },
      });
      await writeAttachmentSettings(index, { location: "file" });
      const first = await service.create({ name: "a.bin", body: "one" });
      expect(first.ref).toMatch(/^file:/);
      await writeAttachmentSettings(index, { location: "s3" });
      await new Promise((resolve) => setTimeout(resolve, 80));
      const second = await service.create({ name: "b.bin", body: "two" });
      expect(second.ref).toMatch(/^s3:\/\/ours\//);
      await index.setSetting("attachment.location", undefined);
    });
  });

  describe("empty files (defect 6)", () => {
    it("reads an empty file with a range from the filestore", async () => {
      const local = testAttachments(index, stores, "file");
      const record = await local.create({
        name: "empty",
        body: Readable.from([]),
      });
      const opened = await local.open(record.id, { range: { start: 0 } });
      expect(await drain(opened.stream)).toEqual({
        bytes: 0,
        error: undefined,
      });
      const direct = await stores.file.getStream(record.ref.slice(5), {
        range: { start: 0 },
      });
      expect(await drain(direct)).toEqual({ bytes: 0, error: undefined });
    });
  });

  describe("names and mimetypes that cannot be served (defect 7)", () => {
    const s3 = (): ReturnType<typeof testAttachments> =>
      testAttachments(index, stores, "s3");
    it.each([
      "text/plain\r\nX-Injected: 1",
      "text/plain; charset=utf-8\r\n",
      "text/plain; name=\u0001",
      "text/plain; name=\u00e9t\u00e9",
      "text/plain\n",
    ])("refuses the mimetype %j at create", async (mimetype) => {
      const before = await index.stats();
      expect(
        await codeOf(s3().create({ name: "m.txt", mimetype, body: "x" })),
      ).toBe(StorageErrorCode.InvalidArgument);
      expect(await index.stats()).toEqual(before);
    });
    it.each(["bad\ud800name", "bad\udc00", "tail\ud83d"])(
      "refuses the name %j with a lone surrogate at create",
      async (name) => {
        const error = await s3()
          .create({ name, body: "x" })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: StorageErrorCode.InvalidArgument,
          message: expect.stringContaining("well-formed Unicode"),
        });
      },
    );
    it("keeps accepting a name with an emoji and a mimetype with parameters", async () => {
      const record = await s3().create({
        name: "r\u00e9sum\u00e9 \ud83d\ude00.txt",
        mimetype: "text/plain; charset=utf-8",
        body: "x",
      });
      expect(record.mimetype).toBe("text/plain; charset=utf-8");
    });
  });

  describe("the force-DB rule's ceiling (defect 8)", () => {
    it("sends a streamed stylesheet over the ceiling to the bucket", async () => {
      const s3 = testAttachments(index, stores, "s3");
      const record = await s3.create({
        name: "huge.css",
        mimetype: "text/css",
        body: chunked(4 * 1024 * 1024 + 1),
      });
      expect(record.ref).toMatch(/^s3:\/\/ours\//);
    });
    it("keeps a stylesheet under a configured ceiling in the database", async () => {
      const s3 = testAttachments(index, stores, "s3", {
        forceDatabaseCeiling: 64 * 1024,
      });
      const small = await s3.create({
        name: "s.css",
        mimetype: "text/css",
        body: chunked(60 * 1024),
      });
      const large = await s3.create({
        name: "l.css",
        mimetype: "text/css",
        body: chunked(70 * 1024),
        size: 70 * 1024,
      });
      expect(small.ref).toMatch(/^db:/);
      expect(large.ref).toMatch(/^s3:\/\/ours\//);
    });
  });
});
