import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SettingName,
  contentKey,
  createAttachments,
  sha256Hex,
  uuidv7,
  type AttachmentRecord,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import { openIndex, type SqlIndex } from "@cloud-platform/storage-sql";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import {
  createObjectStorage,
  type ObjectStorage,
} from "../src/object-storage.js";
import { jsonLines, runCli } from "./cli-process.js";

jest.setTimeout(120_000);

const ep = testEndpoints();

/**
 * `fsck` and `gc` on the local Swift (S3 API) as an integration copy of prod would see them:
 * our own bucket, plus refs into "prod's" bucket that must be checked and never touched.
 */
describe("cloud-platform fsck and gc", () => {
  const ours = uniqueName("cp-fsck");
  const prod = uniqueName("cp-fsck-prod");
  let dir = "";
  let env: Record<string, string> = {};
  let index: SqlIndex;
  let storage: ObjectStorage;
  let prodStorage: ObjectStorage;
  let write: ObjectStore;
  let prodStore: ObjectStore;
  let kept: AttachmentRecord;
  let lost: AttachmentRecord;
  let prodId = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-cli-fsck-"));
    const s3 = {
      AWS_HOST: ep.s3.endpoint,
      AWS_REGION: ep.s3.region,
      AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
    };
    env = {
      ...s3,
      AWS_BUCKETNAME: ours,
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
    };
    index = await openIndex(env.DATABASE_URL ?? "");
    await index.setSetting(SettingName.Kind, "exoscale");
    await index.setSetting(SettingName.Location, "s3");
    storage = createObjectStorage("exoscale", env, {
      dbName: index.databaseName,
      createContainer: true,
    });
    prodStorage = createObjectStorage(
      "exoscale",
      { ...s3, AWS_BUCKETNAME: prod },
      { dbName: index.databaseName, createContainer: true },
    );
    write = storage.stores.write as ObjectStore;
    prodStore = prodStorage.stores.write as ObjectStore;
    await write.put("probe", "x");
    await write.delete("probe");
    await prodStore.put("unreferenced/prod-object", "prod's own");
    const attachments = createAttachments({
      index,
      stores: { objectStorage: storage.stores },
    });
    kept = await attachments.create({
      name: "k.txt",
      body: Buffer.from("kept"),
    });
    lost = await attachments.create({
      name: "l.txt",
      body: Buffer.from("lost"),
    });
    // A prod attachment the integration copy reads from prod's bucket.
    const bytes = Buffer.from("prod bytes");
    const key = contentKey(sha256Hex(bytes));
    await prodStore.put(key, bytes);
    prodId = uuidv7();
    await index.insert({
      id: prodId,
      name: "p.txt",
      mimetype: "text/plain",
      size: bytes.length,
      checksum: sha256Hex(bytes),
      ref: `s3://${prod}/${key}`,
    });
    // Bytes a process wrote just before it was killed, before its row was inserted.
    await write.put("u/zz/killed-between-put-and-insert", "orphan bytes");
  });
  afterAll(async () => {
    for (const store of [write, prodStore])
      for await (const entry of store.list(""))
        await store.delete(entry.key).catch(() => undefined);
    await storage.close();
    await prodStorage.close();
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports the orphan of our bucket, checks prod's ref, and exits 0 while nothing is broken", async () => {
    const result = await runCli(["fsck", "--json"], env);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines.filter((l) => l.type === "finding")).toEqual([
      expect.objectContaining({
        kind: "orphan",
        ref: `s3://${ours}/u/zz/killed-between-put-and-insert`,
      }),
    ]);
    expect(lines.at(-1)).toMatchObject({ type: "summary", refsChecked: 3 });
  });

  it("keeps a young orphan, then deletes it after the grace period, never touching prod", async () => {
    const young = await runCli(["gc", "--json"], env);
    expect(young.code).toBe(0);
    expect(jsonLines(young.stdout).at(-1)).toMatchObject({
      deleted: 0,
      young: 1,
    });
    const dry = await runCli(["gc", "--older-than", "0s", "--dry-run"], env);
    expect(dry.stdout).toContain("would delete");
    expect(await write.exists("u/zz/killed-between-put-and-insert")).toBe(true);
    const done = await runCli(["gc", "--older-than", "0s", "--json"], env);
    expect(done.code).toBe(0);
    expect(jsonLines(done.stdout).at(-1)).toMatchObject({ deleted: 1 });
    expect(await write.exists("u/zz/killed-between-put-and-insert")).toBe(
      false,
    );
    expect(await prodStore.exists("unreferenced/prod-object")).toBe(true);
    const attachments = createAttachments({
      index,
      stores: { objectStorage: storage.stores },
    });
    expect((await attachments.read(kept.id)).toString()).toBe("kept");
  });

  it("exits 1 with the attachment id when an object is missing", async () => {
    await write.delete(lost.ref.replace(`s3://${ours}/`, ""));
    const result = await runCli(["fsck"], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(lost.id);
    expect(result.stdout).not.toContain(prodId);
  });

  it("refuses an unknown duration", async () => {
    const result = await runCli(["gc", "--older-than", "soon"], env);
    expect(result.code).toBe(64);
  });
});
