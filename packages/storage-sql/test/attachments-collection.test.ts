import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import type { Attachments, ObjectStore } from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** The bucket, whose deletes of `key` wait until `open()` (a slow object store). */
interface GatedBucket {
  store: ObjectStore;
  key?: string;
  /** Resolves when a delete of `key` has started and waits. */
  deleting: Promise<void>;
  open(): void;
}

function gated(inner: ObjectStore): GatedBucket {
  let started!: () => void;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const bucket: GatedBucket = {
    store: inner,
    deleting: new Promise<void>((resolve) => (started = resolve)),
    open: () => open(),
  };
  bucket.store = {
    ...inner,
    delete: async (key: string) => {
      if (key === bucket.key) {
        started();
        await gate;
      }
      return inner.delete(key);
    },
  };
  return bucket;
}

/** What `work` gives, or `waited` when it is still pending after 10 s. */
async function within10s<T>(work: Promise<T>): Promise<T | "waited"> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<"waited">(
    (resolve) => (timer = setTimeout(resolve, 10_000, "waited")),
  );
  try {
    return await Promise.race([work, waited]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(BACKENDS)("garbage collection on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  let bucket: GatedBucket;
  let local: Attachments;
  let cloud: Attachments;
  beforeEach(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    const plain = testStores(index, db.dir);
    bucket = gated(plain.ours);
    stores = { ...plain, ours: bucket.store };
    local = testAttachments(index, stores, "file");
    cloud = testAttachments(index, stores, "s3");
  });
  afterEach(async () => {
    bucket.open();
    await index.close();
    await db.destroy();
  });

  /** A's bytes in the bucket, A deleted, and the delete of its bytes stuck in the store. */
  async function collectionInFlight(
    bytes: Buffer,
  ): Promise<{ deleting: Promise<boolean> }> {
    const a = await cloud.create({ name: "a", body: bytes });
    bucket.key = a.ref.slice("s3://ours/".length);
    const deleting = cloud.delete(a.id);
    await bucket.deleting;
    return { deleting };
  }

  it("keeps the index writable while a collection's delete is in flight", async () => {
    const { deleting } = await collectionInFlight(Buffer.from("slow delete"));
    expect(
      await within10s(index.setSetting("test.written", "yes").then(() => "ok")),
    ).toBe("ok");
    bucket.open();
    expect(await deleting).toBe(true);
  }, 30_000);

  it("stores an upload of the same bytes under its own key while their collection is in flight", async () => {
    const bytes = Buffer.from("bytes collected while uploaded again");
    const { deleting } = await collectionInFlight(bytes);
    const again = await within10s(cloud.create({ name: "again", body: bytes }));
    bucket.open();
    await deleting;
    expect(again).not.toBe("waited");
    if (again === "waited") return;
    expect(again.ref).not.toBe(`s3://ours/${bucket.key}`);
    expect(sha(await cloud.read(again.id))).toBe(again.checksum);
    expect(await stores.ours.exists(bucket.key!)).toBe(false);
  }, 30_000);

  it("moves a file whose key is being collected to a fresh key", async () => {
    const bytes = Buffer.from("bytes collected while migrated");
    const b = await local.create({ name: "b", body: bytes });
    const { deleting } = await collectionInFlight(bytes);
    const report = await within10s(cloud.migrate());
    bucket.open();
    await deleting;
    expect(report).toMatchObject({ moved: 1, failed: [] });
    const moved = (await index.get(b.id))?.ref;
    expect(moved).toMatch(/^s3:\/\/ours\/u\//);
    expect(sha(await cloud.read(b.id))).toBe(b.checksum);
    expect(await stores.ours.exists(bucket.key!)).toBe(false);
    expect(await index.listGarbage()).toEqual([]);
  }, 30_000);
});
