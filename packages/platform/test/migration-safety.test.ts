import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  StorageErrorCode,
  createAttachments,
  createFilesystemStore,
  type Attachments,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import { createS3Store } from "@cloud-platform/storage-s3";
import {
  createDatabaseStore,
  openIndex,
  type SqlIndex,
} from "@cloud-platform/storage-sql";
import { createSwiftStore } from "@cloud-platform/storage-swift";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(60_000);

const ep = testEndpoints();
const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

function realStore(kind: "s3" | "swift", name: string): ObjectStore {
  return kind === "s3"
    ? createS3Store({
        bucket: name,
        createBucket: true,
        clientConfig: {
          endpoint: ep.s3.endpoint,
          region: ep.s3.region,
          credentials: {
            accessKeyId: ep.s3.accessKeyId,
            secretAccessKey: ep.s3.secretAccessKey,
          },
        },
      })
    : createSwiftStore({
        container: name,
        createContainer: true,
        auth: {
          type: "tempauth",
          authUrl: ep.swiftV1.authUrl,
          user: ep.swiftV1.user,
          key: ep.swiftV1.key,
        },
      });
}

/**
 * Migration into the real S3 and Swift servers, where its safety rests on what the server
 * checks: a damaged local copy never overwrites good shared bytes, and a body altered after
 * its checksum was taken is refused by the server.
 */
describe.each(["s3", "swift"] as const)("migration safety on %s", (kind) => {
  let dir = "";
  let index: SqlIndex;
  let store: ObjectStore;
  let file: ObjectStore;
  const name = uniqueName(`cp-mig-${kind}`);

  const attachments = (
    location: "file" | "s3" | "swift",
    write: ObjectStore = store,
  ): Attachments =>
    createAttachments({
      index,
      location,
      stores: {
        file,
        db: createDatabaseStore(index),
        objectStorage: { kind, write, open: () => store },
      },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-mig-safety-"));
    index = await openIndex(join(dir, "index.sqlite"));
    file = createFilesystemStore({ root: join(dir, "filestore") });
    store = realStore(kind, name);
  });

  afterAll(async () => {
    for await (const entry of store.list("")) await store.delete(entry.key);
    await store.close?.();
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps A's good bytes when B's local copy of their shared key is damaged", async () => {
    const bytes = Buffer.from(`shared bytes ${name}`);
    const local = attachments("file");
    const a = await local.create({ name: "a.txt", body: bytes });
    const b = await local.create({ name: "b.txt", body: bytes });
    expect(b.ref).toBe(a.ref);
    const key = a.ref.slice("file:".length);
    // A moved already; B still uses the local file, which a bad sector damaged (same size).
    await store.put(key, bytes);
    await index.claimBatch({ locations: ["file"], limit: 1 }, async () => [
      { id: a.id, from: a.ref, to: `${kind}://${name}/${key}`, collect: true },
    ]);
    const damaged = Buffer.from(bytes);
    damaged[0] = damaged[0]! ^ 0x01;
    await file.put(key, damaged);

    const report = await attachments(kind).migrate();

    expect(report).toMatchObject({ moved: 0 });
    expect(report.failed).toEqual([
      expect.objectContaining({ id: b.id, code: StorageErrorCode.Integrity }),
    ]);
    expect(sha(await attachments(kind).read(a.id))).toBe(a.checksum);
    expect(await store.get(key)).toEqual(bytes);
    expect((await index.get(b.id))?.ref).toBe(b.ref);
    expect(await file.get(key)).toEqual(damaged);
    // Clean up for the next test: B leaves, A's bytes stay.
    await attachments(kind).delete(b.id);
  });

  it("a body altered after its checksum was taken is refused by the server, nothing committed", async () => {
    const bytes = Buffer.from(`bytes damaged on the way ${name}`);
    const record = await attachments("file").create({
      name: "c.txt",
      body: bytes,
    });
    const key = record.ref.slice("file:".length);
    const refusals: unknown[] = [];
    // Flips one byte of what the migration hands the store, after it took its MD5.
    const flipping: ObjectStore = {
      ...store,
      put: async (k, body, options) => {
        const altered = Buffer.from(body as Buffer);
        altered[1] = altered[1]! ^ 0x01;
        return store.put(k, altered, options).catch((error: unknown) => {
          refusals.push(error);
          throw error;
        });
      },
    };

    const report = await attachments(kind, flipping).migrate();

    expect(report.failed).toEqual([
      expect.objectContaining({
        id: record.id,
        code: StorageErrorCode.Integrity,
      }),
    ]);
    expect(refusals).toEqual([
      expect.objectContaining({ code: StorageErrorCode.Integrity }),
    ]);
    expect(await store.exists(key)).toBe(false);
    expect((await index.get(record.id))?.ref).toBe(record.ref);
    expect(await file.get(key)).toEqual(bytes);
  });
});
