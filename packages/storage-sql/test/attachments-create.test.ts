import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import type { Attachments, ObjectStore } from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import { testAttachments, testStores } from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** Counts the index's open transactions (nested ones join the outer one). */
function watchTransactions(index: SqlIndex): () => boolean {
  const driver = index.driver as {
    transaction: SqlIndex["driver"]["transaction"];
  };
  const original = driver.transaction.bind(driver);
  let open = 0;
  driver.transaction = (fn, keys, options) =>
    original(
      async (tx) => {
        open += 1;
        try {
          return await fn(tx);
        } finally {
          open -= 1;
        }
      },
      keys,
      options,
    );
  return () => open > 0;
}

/** `inner`, recording for each call whether an index transaction was open, and a hook on `exists`. */
function recording(
  inner: ObjectStore,
  inTransaction: () => boolean,
): {
  store: ObjectStore;
  calls: Array<{ op: string; inTransaction: boolean }>;
  afterExists?: ((key: string) => Promise<void>) | undefined;
} {
  const calls: Array<{ op: string; inTransaction: boolean }> = [];
  const out: ReturnType<typeof recording> = { store: inner, calls };
  const note = (op: string): void => {
    calls.push({ op, inTransaction: inTransaction() });
  };
  out.store = {
    ...inner,
    exists: async (key) => {
      note("exists");
      const found = await inner.exists(key);
      const hook = out.afterExists;
      out.afterExists = undefined;
      await hook?.(key);
      return found;
    },
    head: async (key) => (note("head"), inner.head(key)),
    put: async (key, body, options) => (
      note("put"),
      inner.put(key, body, options)
    ),
  };
  return out;
}

describe.each(BACKENDS)("creating from a buffer on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let bucket: ReturnType<typeof recording>;
  let cloud: Attachments;
  beforeEach(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    const stores = testStores(index, db.dir);
    bucket = recording(stores.ours, watchTransactions(index));
    cloud = testAttachments(index, { ...stores, ours: bucket.store }, "s3");
  });
  afterEach(async () => {
    await index.close();
    await db.destroy();
  });

  it("calls the object store outside every index transaction", async () => {
    const bytes = Buffer.from(`no store call under BEGIN IMMEDIATE ${backend}`);
    const a = await cloud.create({ name: "a", body: bytes });
    const b = await cloud.create({ name: "b", body: bytes });

    expect(b.ref).toBe(a.ref);
    expect(bucket.calls.length).toBeGreaterThan(0);
    expect(bucket.calls.filter((c) => c.inTransaction)).toEqual([]);
  });

  it("stores the bytes again when their collection ends between its look and its insert", async () => {
    const bytes = Buffer.from(`collected between look and insert ${backend}`);
    const a = await cloud.create({ name: "a", body: bytes });
    // B finds A's bytes; before B's insert, A is deleted and its bytes collected.
    bucket.afterExists = async () => {
      expect(await cloud.delete(a.id)).toBe(true);
    };

    const b = await cloud.create({ name: "b", body: bytes });

    expect(await index.get(a.id)).toBeUndefined();
    expect(sha(await cloud.read(b.id))).toBe(b.checksum);
    expect(await bucket.store.exists(b.ref.slice("s3://ours/".length))).toBe(
      true,
    );
  });
});
