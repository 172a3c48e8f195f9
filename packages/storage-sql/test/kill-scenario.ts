import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  MIGRATION_LOCK,
  contentKey,
  uuidv7,
  type AttachmentRecord,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { startChild } from "./child-process.js";
import {
  createTestDatabase,
  type Backend,
  type TestDatabase,
} from "./helpers.js";

const FILES = 2000;
const KILLS = 10;
const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** 2,000 local files, one in ten sharing its bytes with the previous attachment. */
async function seed(
  index: SqlIndex,
  stores: TestStores,
): Promise<AttachmentRecord[]> {
  const records: AttachmentRecord[] = [];
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < FILES; i++) {
    const bytes = i % 10 === 9 ? previous : randomBytes(500 + (i % 7) * 300);
    previous = bytes;
    const checksum = sha(bytes);
    const key = contentKey(checksum);
    if (i % 10 !== 9) await stores.file.put(key, bytes);
    records.push({
      id: uuidv7(),
      name: `f${i}.bin`,
      mimetype: "application/octet-stream",
      size: bytes.length,
      checksum,
      ref: `file:${key}`,
      createdAt: new Date(),
    });
  }
  await index.driver.transaction(async (tx) => {
    for (const r of records) {
      await tx.run(
        "INSERT INTO cp_attachments (id, name, mimetype, size, checksum, ref, location, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
          r.id,
          r.name,
          r.mimetype,
          r.size,
          r.checksum,
          r.ref,
          "file",
          r.createdAt.getTime(),
        ],
      );
    }
  });
  return records;
}

/** Every attachment still on `file:` has its local file; every moved one has its copy. */
async function checkNothingLost(
  index: SqlIndex,
  stores: TestStores,
): Promise<{ local: number; moved: number }> {
  const counts = { local: 0, moved: 0 };
  for (let after = ""; ;) {
    const rows = await index.list({ after, limit: 500 });
    if (rows.length === 0) return counts;
    for (const row of rows) {
      const local = row.ref.startsWith("file:");
      const present = local
        ? await stores.file.exists(row.ref.slice(5))
        : await stores.ours.exists(row.ref.replace("s3://ours/", ""));
      if (!present)
        throw new Error(`attachment ${row.id} lost its bytes (${row.ref})`);
      counts[local ? "local" : "moved"] += 1;
    }
    after = rows.at(-1)!.id;
  }
}

async function listKeys(store: TestStores["file"]): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list("")) keys.push(entry.key);
  return keys;
}

/**
 * The kill test: a child process migrating 2,000 files is SIGKILLed at 10 random points,
 * then a last run completes. One test file per backend so jest runs them in parallel.
 */
export function describeKillTest(backend: Backend): void {
  describe(`migration killed at random points on ${backend}`, () => {
    let db: TestDatabase;
    let index: SqlIndex;
    let stores: TestStores;
    let records: AttachmentRecord[];
    beforeAll(async () => {
      db = await createTestDatabase(backend);
      index = await db.open();
      stores = testStores(index, db.dir);
      records = await seed(index, stores);
    }, 120_000);
    afterAll(async () => {
      await index.close();
      await db.destroy();
    });

    it(`converges after ${KILLS} SIGKILLs: nothing lost, every checksum intact, no orphan`, async () => {
      const args = {
        target: db.target,
        options: db.options,
        dir: db.dir,
        batchSize: 40,
        concurrency: 4,
        waitForGo: false,
      };
      let kills = 0;
      // A child that ends by itself (done, or crashed) is not a kill; bound the attempts.
      for (let attempt = 0; kills < KILLS; attempt++) {
        if (attempt >= 3 * KILLS)
          throw new Error(`only ${kills} kills in ${attempt} runs`);
        const child = startChild(args);
        const target = 1 + Math.floor(Math.random() * 120);
        await child
          .waitFor((e) => e.event === "moved" && e.done >= target)
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
        child.process.kill("SIGKILL");
        if ((await child.exited) === "SIGKILL") kills += 1;
        // After every kill: no local file deleted before its new ref committed.
        await checkNothingLost(index, stores);
      }
      expect((await checkNothingLost(index, stores)).local).toBeGreaterThan(0);

      const last = startChild(args);
      expect(await last.exited).toBe(0);
      expect(last.events.at(-1)).toMatchObject({
        event: "report",
        status: "done",
        failed: [],
      });

      expect(await checkNothingLost(index, stores)).toEqual({
        local: 0,
        moved: FILES,
      });
      const reader = testAttachments(index, stores, "s3");
      for (const r of records)
        expect(sha(await reader.read(r.id))).toBe(r.checksum);
      expect(await listKeys(stores.file)).toEqual([]);
      const refs = new Set(records.map((r) => r.ref.slice(5)));
      expect(new Set(await listKeys(stores.ours))).toEqual(refs);
      expect(await index.listGarbage()).toEqual([]);
      expect(await index.lockHolder(MIGRATION_LOCK)).toBeUndefined();
    }, 300_000);
  });
}
