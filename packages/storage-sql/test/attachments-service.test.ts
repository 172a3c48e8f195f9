import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  StorageErrorCode,
  collect,
  contentKey,
  isStorageError,
  uuidv7,
  type Attachments,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const sha = (data: Buffer | string): string =>
  createHash("sha256").update(data).digest("hex");

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (e: unknown) => (isStorageError(e) ? e.code : e),
  );
}

describe.each(BACKENDS)("Attachments on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  let s3: Attachments;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    stores = testStores(index, db.dir);
    s3 = testAttachments(index, stores, "s3");
  });
  afterAll(async () => {
    await index.close();
    await db.destroy();
  });

  describe("create and read", () => {
    it("stores a buffer content-addressed in the write bucket and reads it back verified", async () => {
      const record = await s3.create({
        name: "report.pdf",
        mimetype: "application/pdf",
        body: Buffer.from("pdf bytes"),
      });
      expect(record).toMatchObject({
        name: "report.pdf",
        size: 9,
        checksum: sha("pdf bytes"),
        ref: `s3://ours/${contentKey(sha("pdf bytes"))}`,
      });
      expect((await s3.read(record.id)).toString()).toBe("pdf bytes");
    });

    it("stores the same bytes once for two attachments", async () => {
      const a = await s3.create({
        name: "a.bin",
        body: Buffer.from("same bytes"),
      });
      const b = await s3.create({
        name: "b.bin",
        body: Buffer.from("same bytes"),
      });
      expect(a.id).not.toBe(b.id);
      expect(a.ref).toBe(b.ref);
      expect(await index.countRefs(a.ref)).toBe(2);
    });

    it("stores a stream under a unique key with the checksum computed on the way", async () => {
      const data = Buffer.alloc(300_000, 7);
      const record = await s3.create({
        name: "big.bin",
        body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      });
      expect(record.ref).toMatch(
        /^s3:\/\/ours\/u\/[0-9a-f]{2}\/[0-9a-f-]{36}$/,
      );
      expect(record).toMatchObject({ size: data.length, checksum: sha(data) });
    });

    it("opens a whole attachment with size, mimetype and the checksum as etag", async () => {
      const record = await s3.create({
        name: "n.txt",
        mimetype: "text/plain",
        body: "hello world",
      });
      const opened = await s3.open(record.id);
      expect(opened).toMatchObject({
        size: 11,
        totalSize: 11,
        mimetype: "text/plain",
        name: "n.txt",
        etag: sha("hello world"),
      });
      expect((await collect(opened.stream)).toString()).toBe("hello world");
    });

    it("opens a byte range", async () => {
      const record = await s3.create({
        name: "r.txt",
        mimetype: "text/plain",
        body: "hello world",
      });
      const opened = await s3.open(record.id, {
        range: { start: 6, end: 100 },
      });
      expect(opened.range).toEqual({ start: 6, end: 10 });
      expect((await collect(opened.stream)).toString()).toBe("world");
    });

    it("raises E_NOT_FOUND for an unknown id and for bytes missing from their store", async () => {
      expect(await codeOf(s3.read(uuidv7()))).toBe(StorageErrorCode.NotFound);
      const record = await s3.create({
        name: "x.bin",
        body: Buffer.from("vanishing"),
      });
      await stores.ours.delete(record.ref.replace("s3://ours/", ""));
      expect(await codeOf(s3.read(record.id))).toBe(StorageErrorCode.NotFound);
    });
  });

  describe("force-DB rule and kill switch", () => {
    it("keeps a small image in the database and sends a large one to the bucket", async () => {
      const small = await s3.create({
        name: "s.png",
        mimetype: "image/png",
        body: Buffer.alloc(1000, 1),
      });
      const large = await s3.create({
        name: "l.png",
        mimetype: "image/png",
        body: Buffer.alloc(60_000, 2),
      });
      expect(small.ref).toMatch(/^db:/);
      expect(large.ref).toMatch(/^s3:\/\/ours\//);
    });

    it("keeps a streamed stylesheet under the force-DB ceiling in the database", async () => {
      const css = await s3.create({
        name: "a.css",
        mimetype: "text/css",
        body: Readable.from([Buffer.alloc(200_000, 65)]),
      });
      expect(css.ref).toMatch(/^db:/);
      expect((await s3.read(css.id)).length).toBe(200_000);
    });

    it("decides a streamed image by its actual size", async () => {
      const small = await s3.create({
        name: "s.jpg",
        mimetype: "image/jpeg",
        body: Readable.from([Buffer.alloc(100, 3)]),
      });
      const large = await s3.create({
        name: "l.jpg",
        mimetype: "image/jpeg",
        body: Readable.from([Buffer.alloc(40_000, 4), Buffer.alloc(40_000, 5)]),
      });
      expect(small.ref).toMatch(/^db:/);
      expect(large.ref).toMatch(/^s3:\/\/ours\/u\//);
      expect(sha(await s3.read(large.id))).toBe(large.checksum);
    });

    it("sends everything to the bucket when the rule is {}", async () => {
      const noRule = testAttachments(index, stores, "s3", {
        forceDatabase: {},
      });
      expect(
        (
          await noRule.create({
            name: "s.png",
            mimetype: "image/png",
            body: Buffer.alloc(10, 1),
          })
        ).ref,
      ).toMatch(/^s3:/);
    });

    it("writes new files to the database while object storage is disabled, and still reads stored ones", async () => {
      const before = await s3.create({
        name: "before.bin",
        body: Buffer.from("stored before"),
      });
      const disabled = testAttachments(index, stores, "s3", {
        disableObjectStorage: true,
      });
      const after = await disabled.create({
        name: "after.bin",
        body: Buffer.from("stored after"),
      });
      expect(after.ref).toMatch(/^db:/);
      expect((await disabled.read(before.id)).toString()).toBe("stored before");
      expect(await disabled.migrate()).toMatchObject({
        status: "skipped",
        moved: 0,
      });
    });
  });

  describe("delete", () => {
    it("deletes the bytes with the last attachment using them, not before", async () => {
      const a = await s3.create({
        name: "a",
        body: Buffer.from("shared for delete"),
      });
      const b = await s3.create({
        name: "b",
        body: Buffer.from("shared for delete"),
      });
      const key = a.ref.replace("s3://ours/", "");
      expect(await s3.delete(a.id)).toBe(true);
      expect(await stores.ours.exists(key)).toBe(true);
      expect((await s3.read(b.id)).toString()).toBe("shared for delete");
      expect(await s3.delete(b.id)).toBe(true);
      expect(await stores.ours.exists(key)).toBe(false);
      expect(await index.listGarbage()).not.toContain(a.ref);
    });

    it("deletes twenty database attachments at once on a pool of two connections", async () => {
      const small = await db.open({ poolSize: 2 });
      const dbOnly = testAttachments(small, testStores(small, db.dir), "db");
      const records = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          dbOnly.create({ name: `d${i}`, body: `database bytes ${i}` }),
        ),
      );
      const deleted = await Promise.all(
        records.map((r) => dbOnly.delete(r.id)),
      );
      expect(deleted).toEqual(Array(20).fill(true));
      for (const r of records)
        expect(await stores.db.exists(r.ref.slice(3))).toBe(false);
      await small.close();
    });

    it("answers false for an unknown id", async () => {
      expect(await s3.delete(uuidv7())).toBe(false);
    });
  });

  describe("integration copy", () => {
    it("reads prod objects read-only, writes to its own bucket and never deletes in prod", async () => {
      const bytes = Buffer.from("a prod invoice");
      const key = contentKey(sha(bytes));
      await stores.prod.put(key, bytes);
      const copied = await index.insert({
        id: uuidv7(),
        name: "invoice.pdf",
        mimetype: "application/pdf",
        size: bytes.length,
        checksum: sha(bytes),
        ref: `s3://prod/${key}`,
      });
      expect((await s3.read(copied.id)).equals(bytes)).toBe(true);
      const fresh = await s3.create({
        name: "new.pdf",
        body: Buffer.from("integration only"),
      });
      expect(fresh.ref).toMatch(/^s3:\/\/ours\//);
      expect(await s3.delete(copied.id)).toBe(true);
      expect(await stores.prod.exists(key)).toBe(true);
      expect(await index.listGarbage()).not.toContain(`s3://prod/${key}`);
    });
  });

  describe("bad input", () => {
    it("rejects a ref with an unknown scheme with E_INVALID_ARGUMENT, index unchanged", async () => {
      const before = await index.stats();
      expect(
        await codeOf(
          index.insert({
            id: uuidv7(),
            name: "x",
            mimetype: "text/plain",
            size: 1,
            checksum: sha("x"),
            ref: "gopher://x/y",
          }),
        ),
      ).toBe(StorageErrorCode.InvalidArgument);
      expect(await index.stats()).toEqual(before);
    });

    it("names the missing store when a ref points at an unconfigured one", async () => {
      const record = await index.insert({
        id: uuidv7(),
        name: "x",
        mimetype: "text/plain",
        size: 1,
        checksum: sha("x"),
        ref: "swift://other/k",
      });
      const error = await s3.read(record.id).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: StorageErrorCode.NotConfigured,
        message: expect.stringContaining("swift object storage"),
      });
    });

    it("rejects a truncated stream with E_INTEGRITY and stores no record", async () => {
      const before = await index.stats();
      const body = Readable.from([Buffer.alloc(500, 1)]);
      expect(await codeOf(s3.create({ name: "t.bin", body, size: 1000 }))).toBe(
        StorageErrorCode.Integrity,
      );
      expect(await index.stats()).toEqual(before);
    });

    it("rejects a stream that fails midway with E_ABORTED and stores no record", async () => {
      const before = await index.stats();
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(100);
        throw new Error("client went away");
      }
      expect(await codeOf(s3.create({ name: "f.bin", body: failing() }))).toBe(
        StorageErrorCode.Aborted,
      );
      expect(await index.stats()).toEqual(before);
    });

    it("raises E_INTEGRITY on a read whose bytes no longer match the checksum", async () => {
      const record = await s3.create({
        name: "c.bin",
        body: Buffer.from("original content"),
      });
      await stores.ours.put(
        record.ref.replace("s3://ours/", ""),
        Buffer.from("tampered content"),
      );
      expect(await codeOf(s3.read(record.id))).toBe(StorageErrorCode.Integrity);
      expect(await codeOf(collect((await s3.open(record.id)).stream))).toBe(
        StorageErrorCode.Integrity,
      );
      expect(await s3.get(record.id)).toEqual(record);
    });

    it("rejects an empty name and a malformed mimetype with E_INVALID_ARGUMENT", async () => {
      expect(await codeOf(s3.create({ name: "", body: "x" }))).toBe(
        StorageErrorCode.InvalidArgument,
      );
      expect(
        await codeOf(
          s3.create({ name: "a", mimetype: "not a type", body: "x" }),
        ),
      ).toBe(StorageErrorCode.InvalidArgument);
    });
  });
});
