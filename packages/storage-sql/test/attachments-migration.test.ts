import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  MIGRATION_LOCK,
  StorageErrorCode,
  type Attachments,
  type AttachmentRecord,
  type MigrationProgress,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const MiB = 1024 * 1024;

const sha = (data: Buffer | string): string =>
  createHash("sha256").update(data).digest("hex");

async function listKeys(store: TestStores["file"]): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list("")) keys.push(entry.key);
  return keys;
}

describe.each(BACKENDS)("migration on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  let local: Attachments;
  let cloud: Attachments;
  beforeEach(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    stores = testStores(index, db.dir);
    local = testAttachments(index, stores, "file");
    cloud = testAttachments(index, stores, "s3");
  });
  afterEach(async () => {
    await index.close();
    await db.destroy();
  });

  async function seed(count: number): Promise<AttachmentRecord[]> {
    const records: AttachmentRecord[] = [];
    for (let i = 0; i < count; i++)
      records.push(
        await local.create({
          name: `f${i}.txt`,
          mimetype: "text/plain",
          body: `file number ${i}`,
        }),
      );
    return records;
  }

  /** `count` local files of 9 MiB (over the 8 MiB read whole: streamed), bytes `fill`, `fill + 1`… */
  async function seedLarge(
    count: number,
    fill: number,
  ): Promise<AttachmentRecord[]> {
    const records: AttachmentRecord[] = [];
    for (let i = 0; i < count; i++)
      records.push(
        await local.create({
          name: `large-${i}.bin`,
          body: Buffer.alloc(9 * MiB, fill + i),
        }),
      );
    return records;
  }

  it("moves local files to the bucket, deletes them locally, and keeps every checksum", async () => {
    const records = await seed(25);
    const report = await cloud.migrate({ batchSize: 7, concurrency: 3 });
    expect(report).toMatchObject({
      status: "done",
      moved: 25,
      failed: [],
      target: "s3",
    });
    expect(report.bytes).toBe(records.reduce((sum, r) => sum + r.size, 0));
    for (const r of records) {
      expect((await index.get(r.id))?.ref).toBe(
        r.ref.replace("file:", "s3://ours/"),
      );
      expect(sha(await cloud.read(r.id))).toBe(r.checksum);
    }
    expect(await listKeys(stores.file)).toEqual([]);
  });

  it("lists the work in a dry run and changes nothing", async () => {
    const records = await seed(5);
    const seen: MigrationProgress[] = [];
    const report = await cloud.migrate({
      dryRun: true,
      onProgress: (p) => seen.push(p),
    });
    expect(report).toMatchObject({ status: "done", dryRun: true, moved: 5 });
    expect(seen.map((p) => p.item.status)).toEqual(Array(5).fill("planned"));
    expect(seen.at(-1)).toMatchObject({ done: 5, total: 5 });
    for (const r of records) expect((await index.get(r.id))?.ref).toBe(r.ref);
    expect((await listKeys(stores.file)).length).toBe(5);
  });

  it("sends files the force-DB rule keeps in the database there, not to the bucket", async () => {
    const icon = await local.create({
      name: "icon.png",
      mimetype: "image/png",
      body: Buffer.alloc(500, 9),
    });
    await cloud.migrate();
    expect((await index.get(icon.id))?.ref).toMatch(/^db:/);
    expect(sha(await cloud.read(icon.id))).toBe(icon.checksum);
  });

  it("moves database files to the bucket only when asked, leaving force-DB ones", async () => {
    const dbLocal = testAttachments(index, stores, "db");
    const doc = await dbLocal.create({
      name: "doc.txt",
      mimetype: "text/plain",
      body: "in the database",
    });
    const icon = await dbLocal.create({
      name: "i.png",
      mimetype: "image/png",
      body: Buffer.alloc(10, 1),
    });
    expect((await cloud.migrate()).moved).toBe(0);
    const report = await cloud.migrate({ includeDatabase: true });
    expect(report).toMatchObject({ moved: 1, skipped: 1 });
    expect((await index.get(doc.id))?.ref).toMatch(/^s3:\/\/ours\//);
    expect((await index.get(icon.id))?.ref).toMatch(/^db:/);
    expect(await stores.db.exists(doc.ref.slice(3))).toBe(false);
  });

  it("moves force-DB files back into the database with forceDatabase()", async () => {
    const noRule = testAttachments(index, stores, "s3", { forceDatabase: {} });
    const css = await noRule.create({
      name: "a.css",
      mimetype: "text/css",
      body: "body{}",
    });
    const pdf = await noRule.create({
      name: "a.pdf",
      mimetype: "application/pdf",
      body: "pdf",
    });
    const report = await cloud.forceDatabase();
    expect(report).toMatchObject({ status: "done", moved: 1, target: "db" });
    expect((await index.get(css.id))?.ref).toMatch(/^db:/);
    expect((await index.get(pdf.id))?.ref).toBe(pdf.ref);
    expect(await stores.ours.exists(css.ref.replace("s3://ours/", ""))).toBe(
      false,
    );
  });

  it("moves back into the database only what the configured force-DB ceiling allows", async () => {
    const noRule = testAttachments(index, stores, "s3", { forceDatabase: {} });
    const small = await noRule.create({
      name: "s.css",
      mimetype: "text/css",
      body: "a{}",
    });
    const large = await noRule.create({
      name: "l.css",
      mimetype: "text/css",
      body: "b{}".repeat(100),
    });
    const capped = testAttachments(index, stores, "s3", {
      forceDatabaseCeiling: 100,
    });
    expect(await capped.forceDatabase()).toMatchObject({ moved: 1 });
    expect((await index.get(small.id))?.ref).toMatch(/^db:/);
    expect((await index.get(large.id))?.ref).toBe(large.ref);
  });

  it("reports a file whose bytes do not match its checksum as failed, and leaves it in place", async () => {
    const [bad, good] = await seed(2);
    await stores.file.put(bad!.ref.slice(5), "corrupted!");
    const report = await cloud.migrate();
    expect(report.moved).toBe(1);
    expect(report.failed).toEqual([
      expect.objectContaining({
        id: bad!.id,
        code: StorageErrorCode.Integrity,
      }),
    ]);
    expect((await index.get(bad!.id))?.ref).toBe(bad!.ref);
    expect(await stores.file.exists(bad!.ref.slice(5))).toBe(true);
    expect((await index.get(good!.id))?.ref).toMatch(/^s3:/);
  });

  describe.each(["s3", "db"] as const)(
    "a shared key whose local copy is damaged, migrating to %s",
    (to) => {
      it("leaves the good bytes in the target, fails B, and changes nothing else", async () => {
        const bytes = Buffer.from("bytes shared by two attachments");
        const a = await local.create({ name: "a", body: bytes });
        const b = await local.create({ name: "b", body: bytes });
        const key = a.ref.slice(5);
        expect(b.ref).toBe(a.ref);
        const targetStore = to === "s3" ? stores.ours : stores.db;
        const targetRef = to === "s3" ? `s3://ours/${key}` : `db:${key}`;
        // A moved already (its bytes in the target); B still uses the local file...
        await targetStore.put(key, bytes);
        await index.claimBatch({ locations: ["file"], limit: 1 }, async () => [
          { id: a.id, from: a.ref, to: targetRef, collect: true },
        ]);
        // ...whose bytes a bad sector damaged (same size).
        const damaged = Buffer.from(bytes);
        damaged[3] = damaged[3]! ^ 0xff;
        await stores.file.put(key, damaged);
        const report = await testAttachments(index, stores, to).migrate();
        expect(report).toMatchObject({ moved: 0 });
        expect(report.failed).toEqual([
          expect.objectContaining({
            id: b.id,
            code: StorageErrorCode.Integrity,
          }),
        ]);
        expect(sha(await cloud.read(a.id))).toBe(a.checksum);
        expect(await targetStore.get(key)).toEqual(bytes);
        expect((await index.get(b.id))?.ref).toBe(b.ref);
        expect(await stores.file.get(key)).toEqual(damaged);
      });
    },
  );

  it("never lets two rows of one batch that share a legacy key with different bytes both write it", async () => {
    const key = "legacy/2019/report.txt";
    const fileBytes = Buffer.from("the filestore's report");
    const dbBytes = Buffer.from("the database's other report");
    await stores.file.put(key, fileBytes);
    await stores.db.put(key, dbBytes);
    const fromFile = await index.insert({
      id: "00000000-0000-7000-8000-000000000001",
      name: "report.txt",
      mimetype: "text/plain",
      size: fileBytes.length,
      checksum: sha(fileBytes),
      ref: `file:${key}`,
    });
    const fromDb = await index.insert({
      id: "00000000-0000-7000-8000-000000000002",
      name: "report.txt",
      mimetype: "text/plain",
      size: dbBytes.length,
      checksum: sha(dbBytes),
      ref: `db:${key}`,
    });
    const report = await cloud.migrate({
      includeDatabase: true,
      concurrency: 1,
    });
    expect(report).toMatchObject({ moved: 2, failed: [] });
    const refs = [
      (await index.get(fromFile.id))?.ref,
      (await index.get(fromDb.id))?.ref,
    ];
    expect(new Set(refs).size).toBe(2);
    expect(sha(await cloud.read(fromFile.id))).toBe(fromFile.checksum);
    expect(sha(await cloud.read(fromDb.id))).toBe(fromDb.checksum);
  });

  it("streams large files in 1 MiB chunks, never more at once than its memory budget allows", async () => {
    const records = await seedLarge(6, 0);
    const chunkSizes: Array<number | undefined> = [];
    const source: TestStores["file"] = {
      ...stores.file,
      getStream: async (key, options) => {
        chunkSizes.push(options?.chunkSize);
        return stores.file.getStream(key, options);
      },
    };
    let inFlight = 0;
    let most = 0;
    const target: TestStores["ours"] = {
      ...stores.ours,
      put: async (key, body, options) => {
        most = Math.max(most, ++inFlight);
        try {
          // A slow link: every copy that holds its share is still sending.
          await new Promise((resolve) => setTimeout(resolve, 100));
          return await stores.ours.put(key, body, options);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const slow = testAttachments(
      index,
      { ...stores, file: source, ours: target },
      "s3",
    );
    // 8 MiB: two streamed copies' shares (4 MiB each), whatever the concurrency.
    const report = await slow.migrate({
      concurrency: 6,
      bytesInFlight: 8 * MiB,
    });
    expect(report).toMatchObject({ moved: 6, failed: [] });
    expect(most).toBe(2);
    // Each file read twice (proved, then sent), both times in 1 MiB chunks.
    expect(chunkSizes).toEqual(Array.from({ length: 12 }, () => MiB));
    for (const r of records)
      expect(sha(await cloud.read(r.id))).toBe(r.checksum);
  });

  it("proves at most two streamed files at once, beside the uploads of the others", async () => {
    const records = await seedLarge(6, 10);
    // Each file is read twice: first to prove it, then to send it.
    const reads = new Map<string, number>();
    let proving = 0;
    let most = 0;
    const source: TestStores["file"] = {
      ...stores.file,
      getStream: async (key, options) => {
        const stream = await stores.file.getStream(key, options);
        const nth = (reads.get(key) ?? 0) + 1;
        reads.set(key, nth);
        if (nth === 1) {
          most = Math.max(most, ++proving);
          stream.once("close", () => (proving -= 1));
        }
        return stream;
      },
    };
    const gated = testAttachments(index, { ...stores, file: source }, "s3");
    const report = await gated.migrate({
      concurrency: 6,
      bytesInFlight: 64 * MiB,
    });
    expect(report).toMatchObject({ moved: 6, failed: [] });
    expect(most).toBe(2);
    for (const r of records)
      expect(sha(await cloud.read(r.id))).toBe(r.checksum);
  });

  it("copies the next batch while a batch's slowest file is still on its way", async () => {
    const records = await seed(4);
    const events: string[] = [];
    const target: TestStores["ours"] = {
      ...stores.ours,
      put: async (key, body, options) => {
        const name = Buffer.isBuffer(body) ? body.toString() : key;
        events.push(`put ${name}`);
        // The first file is slow: its batch cannot commit before it is in.
        if (name === "file number 0")
          await new Promise((resolve) => setTimeout(resolve, 300));
        return stores.ours.put(key, body, options);
      },
    };
    const watched = new Proxy(index, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (property === "commitClaim" && typeof value === "function")
          return (...args: unknown[]) => {
            events.push("commit");
            return (value as (...a: unknown[]) => unknown).apply(object, args);
          };
        return typeof value === "function"
          ? (value as (...a: unknown[]) => unknown).bind(object)
          : value;
      },
    });
    const overlapping = testAttachments(
      watched,
      { ...stores, ours: target },
      "s3",
    );
    const report = await overlapping.migrate({ batchSize: 2, concurrency: 2 });
    expect(report).toMatchObject({ moved: 4, failed: [] });
    // The second batch (files 2 and 3) was claimed and copied while file 0 was still going.
    expect(events.indexOf("put file number 2")).toBeLessThan(
      events.indexOf("commit"),
    );
    expect(events.filter((e) => e === "commit")).toHaveLength(2);
    for (const r of records)
      expect(sha(await cloud.read(r.id))).toBe(r.checksum);
  });

  it("keeps a local file until the last attachment using it has moved", async () => {
    const a = await local.create({
      name: "a",
      body: Buffer.from("shared local bytes"),
    });
    const b = await local.create({
      name: "b",
      body: Buffer.from("shared local bytes"),
    });
    const report = await cloud.migrate({ batchSize: 1 });
    expect(report.moved).toBe(2);
    expect(await stores.file.exists(a.ref.slice(5))).toBe(false);
    expect(sha(await cloud.read(b.id))).toBe(b.checksum);
  });

  it("sweeps a local file left behind by a crash after the commit", async () => {
    const [r] = await seed(1);
    const key = r!.ref.slice(5);
    // What a crash between the commit and the local delete leaves: moved ref, queued old ref.
    await stores.ours.put(key, await stores.file.get(key));
    await index.claimBatch({ locations: ["file"], limit: 10 }, async () => [
      { id: r!.id, from: r!.ref, to: `s3://ours/${key}`, collect: true },
    ]);
    expect(await stores.file.exists(key)).toBe(true);
    const report = await cloud.migrate();
    expect(report.collected).toBe(1);
    expect(await stores.file.exists(key)).toBe(false);
  });

  it("answers already-running while another process holds the migration lock", async () => {
    await seed(1);
    const other = await db.open();
    const held = await other.acquireLock(MIGRATION_LOCK, "other");
    expect(await cloud.migrate()).toMatchObject({
      status: "already-running",
      moved: 0,
    });
    expect(await index.lockHolder(MIGRATION_LOCK)).toMatchObject({
      holder: "other",
    });
    await held?.release();
    await other.close();
    expect(await cloud.migrate()).toMatchObject({ status: "done", moved: 1 });
  });

  it("migrates on start only after an upgrade", async () => {
    expect(await cloud.shouldMigrateOnStart("1.0.0")).toBe(true);
    await cloud.recordVersion("1.0.0");
    expect(await cloud.shouldMigrateOnStart("1.0.0")).toBe(false);
    expect(await cloud.shouldMigrateOnStart("1.1.0")).toBe(true);
  });

  it("stops when aborted, and a rerun finishes the work", async () => {
    await seed(6);
    const controller = new AbortController();
    const report = await cloud.migrate({
      batchSize: 3,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => p.done === 3 && controller.abort(),
    });
    expect(report).toMatchObject({ status: "aborted", moved: 3 });
    expect(
      (await index.stats()).find((s) => s.location === "file")?.count,
    ).toBe(3);
    expect(await cloud.migrate()).toMatchObject({ status: "done", moved: 3 });
  });
});
