import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger } from "@cloud-platform/logging-json";
import {
  SettingName,
  createAttachments,
  parseRef,
  type Attachments,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import { openIndex, type SqlIndex } from "@cloud-platform/storage-sql";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { GARBAGE_LOCK, startGarbageDrain } from "../src/garbage-drain.js";
import {
  createObjectStorage,
  type ObjectStorage,
} from "../src/object-storage.js";

jest.setTimeout(60_000);
const ep = testEndpoints();
const quiet = createLogger({
  service: { name: "drain-test" },
  json: true,
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

/**
 * The garbage queue drains by itself: bytes whose row is gone (a process killed between the
 * delete's commit and the byte deletion) leave the bucket without any migration, in one
 * process at a time.
 */
describe("periodic garbage drain", () => {
  const bucket = uniqueName("cp-drain");
  let dir = "";
  let index: SqlIndex;
  let other: SqlIndex;
  let storage: ObjectStorage;
  let write: ObjectStore;
  let attachments: Attachments;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-drain-"));
    const env = {
      AWS_HOST: ep.s3.endpoint,
      AWS_REGION: ep.s3.region,
      AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
      AWS_BUCKETNAME: bucket,
    };
    index = await openIndex(join(dir, "index.sqlite"));
    // A second front-end on the same index.
    other = await openIndex(join(dir, "index.sqlite"));
    await index.setSetting(SettingName.Kind, "exoscale");
    await index.setSetting(SettingName.Location, "s3");
    storage = createObjectStorage("exoscale", env, {
      dbName: index.databaseName,
      createContainer: true,
    });
    write = storage.stores.write as ObjectStore;
    attachments = createAttachments({
      index,
      stores: { objectStorage: storage.stores },
    });
  });
  afterAll(async () => {
    for await (const entry of write.list(""))
      await write.delete(entry.key).catch(() => undefined);
    await storage.close();
    await other.close();
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A row deleted and its ref queued, the bytes left in the bucket: a crash after the commit. */
  async function crashedDelete(text: string): Promise<string> {
    const record = await attachments.create({
      name: "g.txt",
      body: Buffer.from(text),
    });
    await index.delete(record.id, { collect: () => true });
    const key = parseRef(record.ref).key;
    expect(await write.exists(key)).toBe(true);
    expect(await index.listGarbage()).toContain(record.ref);
    return key;
  }

  it("deletes the queued bytes on its own timer", async () => {
    const key = await crashedDelete("dropped while its bytes stayed");
    const drain = startGarbageDrain({
      attachments,
      index,
      logger: quiet,
      intervalMs: 200,
    });
    try {
      // The bytes go first, then the queue entry (a second, short transaction).
      const deadline = Date.now() + 20_000;
      while (
        (await write.exists(key)) ||
        (await index.listGarbage()).length > 0
      ) {
        if (Date.now() > deadline) throw new Error("never drained");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await write.exists(key)).toBe(false);
      expect(await index.listGarbage()).toEqual([]);
    } finally {
      await drain.stop();
    }
  });

  it("skips a round while another process drains (one at a time), and drains after", async () => {
    const key = await crashedDelete("another one");
    const drain = startGarbageDrain({
      attachments,
      index,
      logger: quiet,
      intervalMs: 0,
    });
    try {
      const held = await other.acquireLock(GARBAGE_LOCK, "other front-end");
      expect(held).toBeDefined();
      expect(await drain.runOnce()).toBe("busy");
      expect(await write.exists(key)).toBe(true);
      await held?.release();
      expect(await drain.runOnce()).toBe("drained");
      expect(await write.exists(key)).toBe(false);
    } finally {
      await drain.stop();
    }
  });
});
