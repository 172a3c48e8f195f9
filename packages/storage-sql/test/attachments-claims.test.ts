import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import type {
  Attachments,
  ObjectStore,
  PutBody,
  PutOptions,
} from "@cloud-platform/storage-core";
import { openIndex, type SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** The bucket, counting its looks (HEAD / exists) and running `afterPut` after each put. */
interface WatchedBucket {
  store: ObjectStore;
  looks: number;
  afterPut?: (key: string) => Promise<void>;
}

function watched(inner: ObjectStore): WatchedBucket {
  const watch: WatchedBucket = { store: inner, looks: 0 };
  watch.store = {
    ...inner,
    put: async (key: string, body: PutBody, options?: PutOptions) => {
      const result = await inner.put(key, body, options);
      await watch.afterPut?.(key);
      return result;
    },
    head: (key: string) => {
      watch.looks += 1;
      return inner.head(key);
    },
    exists: (key: string) => {
      watch.looks += 1;
      return inner.exists(key);
    },
  };
  return watch;
}

describe.each(BACKENDS)("migration claims on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  let bucket: WatchedBucket;
  let local: Attachments;
  let cloud: Attachments;
  beforeEach(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    const plain = testStores(index, db.dir);
    bucket = watched(plain.ours);
    stores = { ...plain, ours: bucket.store };
    local = testAttachments(index, stores, "file");
    cloud = testAttachments(index, stores, "s3");
  });
  afterEach(async () => {
    await index.close();
    await db.destroy();
  });

  it("keeps a shared key deleted and collected while its copy is in flight, and moves the row to it without a look", async () => {
    const bytes = Buffer.from("bytes A has in the bucket and B has locally");
    const a = await cloud.create({ name: "a", body: bytes });
    const b = await local.create({ name: "b", body: bytes });
    const key = b.ref.slice("file:".length);
    expect(a.ref).toBe(`s3://ours/${key}`);
    // B's copy has landed; before its commit, A (the other user of the key) is deleted and
    // its bytes collected.
    let deleted = false;
    bucket.afterPut = async (put) => {
      if (put !== key || deleted) return;
      deleted = true;
      expect(await cloud.delete(a.id)).toBe(true);
    };
    bucket.looks = 0;
    const report = await cloud.migrate();
    expect(deleted).toBe(true);
    expect(report).toMatchObject({ moved: 1, failed: [] });
    expect(bucket.looks).toBe(0);
    expect((await index.get(b.id))?.ref).toBe(`s3://ours/${key}`);
    expect(sha(await cloud.read(b.id))).toBe(b.checksum);
    expect(await index.listGarbage()).toEqual([]);
  });

  it("lets a user delete a claimed row during a slow copy at once, and drops the copy", async () => {
    const b = await local.create({ name: "b", body: Buffer.from("slow copy") });
    const key = b.ref.slice("file:".length);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let outcome: string | undefined;
    bucket.afterPut = async (put) => {
      if (put !== key) return;
      // The copy is stuck until the delete answers, or gives up after 10 s.
      let timer: NodeJS.Timeout | undefined;
      outcome = await Promise.race([
        cloud.delete(b.id).then(() => "deleted"),
        new Promise<string>((r) => (timer = setTimeout(r, 10_000, "waited"))),
      ]);
      clearTimeout(timer);
      release();
    };
    const report = await cloud.migrate();
    await gate;
    expect(outcome).toBe("deleted");
    expect(report).toMatchObject({ moved: 0, skipped: 1, failed: [] });
    expect(await index.get(b.id)).toBeUndefined();
    expect(await stores.ours.exists(key)).toBe(false);
    expect(await stores.file.exists(key)).toBe(false);
  }, 30_000);

  (backend === "postgres" ? it : it.skip)(
    "converges on a server that ends transactions left idle for 300 ms, while each copy takes longer",
    async () => {
      const strict = await openIndex(
        {
          postgres: {
            connectionString: db.target,
            options: "-c idle_in_transaction_session_timeout=300",
          },
        },
        db.options,
      );
      try {
        const records = await Promise.all(
          [1, 2, 3].map((i) =>
            local.create({ name: `slow${i}`, body: Buffer.from(`slow ${i}`) }),
          ),
        );
        bucket.afterPut = () => new Promise((r) => setTimeout(r, 600));
        const report = await testAttachments(strict, stores, "s3").migrate({
          concurrency: 1,
        });
        expect(report).toMatchObject({ status: "done", moved: 3, failed: [] });
        for (const r of records)
          expect((await index.get(r.id))?.ref).toMatch(/^s3:\/\/ours\//);
      } finally {
        await strict.close();
      }
    },
    30_000,
  );

  it("counts a reserved ref as a reference until the claim ends", async () => {
    const b = await local.create({ name: "b", body: Buffer.from("reserved") });
    const to = b.ref.replace("file:", "s3://ours/");
    const rows = await index.claimRows(
      { locations: ["file"], limit: 10 },
      { claimant: "test" },
    );
    expect(rows.map((r) => r.id)).toEqual([b.id]);
    await index.reserveRefs("test", [{ id: b.id, ref: to }]);
    expect(await index.countRefs(to)).toBe(1);
    await index.releaseClaim("test", [b.id]);
    expect(await index.countRefs(to)).toBe(0);
  });

  it("takes over another claimant's claim only when asked to", async () => {
    const b = await local.create({ name: "b", body: Buffer.from("taken") });
    const query = { locations: ["file"], limit: 10 };
    expect(await index.claimRows(query, { claimant: "lost" })).toHaveLength(1);
    expect(await index.claimRows(query, { claimant: "other" })).toEqual([]);
    const taken = await index.claimRows(query, {
      claimant: "holder",
      takeOver: true,
    });
    expect(taken.map((r) => r.id)).toEqual([b.id]);
    const move = { id: b.id, from: b.ref, to: "db:x", collect: false };
    expect(await index.commitClaim("lost", [b.id], [move])).toEqual([]);
    expect(await index.commitClaim("holder", [b.id], [move])).toEqual([b.id]);
  });
});
