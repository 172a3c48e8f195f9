import { describe, expect, it } from "@jest/globals";
import {
  SettingName,
  StorageErrorCode,
  createAttachments,
  createMemoryStore,
  writeAttachmentSettings,
  type ObjectStore,
} from "../src/index.js";
import { createFakeIndex } from "./attachments-fake-index.js";

function setup(location?: "file" | "db" | "swift") {
  const index = createFakeIndex();
  const file = createMemoryStore({ kind: "file" });
  const db = createMemoryStore({ kind: "db" });
  const ours: ObjectStore = createMemoryStore({
    kind: "swift",
    container: "ours",
  });
  const attachments = createAttachments({
    index,
    ...(location ? { location } : {}),
    stores: { file, db, objectStorage: { kind: "swift", write: ours } },
  });
  return { index, file, db, ours, attachments };
}

describe("Attachments service logic", () => {
  it("uses the attachment.location setting when no location option is given", async () => {
    const { index, attachments } = setup();
    await writeAttachmentSettings(index, { location: "swift" });
    const record = await attachments.create({
      name: "a.pdf",
      mimetype: "application/pdf",
      body: "x",
    });
    expect(record.ref).toMatch(/^swift:\/\/ours\//);
  });

  it("defaults to the local filestore when nothing is recorded", async () => {
    const { attachments } = setup();
    expect((await attachments.create({ name: "a", body: "x" })).ref).toMatch(
      /^file:/,
    );
  });

  it("reads the force-DB rule from the settings", async () => {
    const { index, attachments } = setup("swift");
    await index.setSetting(SettingName.ForceDatabase, '{"application/pdf": 0}');
    expect(
      (
        await attachments.create({
          name: "a.pdf",
          mimetype: "application/pdf",
          body: "x",
        })
      ).ref,
    ).toMatch(/^db:/);
  });

  it("refuses an unknown location setting with E_INVALID_ARGUMENT", async () => {
    const { index, attachments } = setup();
    await index.setSetting(SettingName.Location, "ftp");
    await expect(
      attachments.create({ name: "a", body: "x" }),
    ).rejects.toMatchObject({ code: StorageErrorCode.InvalidArgument });
  });

  it("names the missing bucket when a ref needs a foreign container it cannot open", async () => {
    const { index, attachments } = setup("swift");
    await index.insert({
      id: "x1",
      name: "n",
      mimetype: "text/plain",
      size: 1,
      checksum: "0".repeat(64),
      ref: "swift://prod/k",
    });
    await expect(attachments.read("x1")).rejects.toMatchObject({
      code: StorageErrorCode.NotConfigured,
      message: expect.stringContaining('"prod"'),
    });
  });

  it("queues the ref and deletes the bytes after the record is gone", async () => {
    const { index, ours, attachments } = setup("swift");
    const record = await attachments.create({ name: "a", body: "delete me" });
    const key = record.ref.replace("swift://ours/", "");
    expect(await attachments.delete(record.id)).toBe(true);
    expect(await ours.exists(key)).toBe(false);
    expect(index.garbage.size).toBe(0);
  });

  it("puts bytes back when a collection removed them between the check and the insert", async () => {
    const { index, ours, attachments } = setup("swift");
    const original = index.insert.bind(index);
    let raced = false;
    index.insert = async (record, options) => {
      if (!raced) {
        // A collection of these bytes ran to its end meanwhile, as collectRefs runs one.
        const { ref } = record;
        await index.withRefLocks([ref], (scope) =>
          scope.markCollecting(ref, "other", Date.now() + 60_000),
        );
        await ours.delete(ref.replace("swift://ours/", ""));
        await index.withRefLocks([ref], (scope) =>
          scope.endCollecting(ref, "other", true),
        );
      }
      raced = true;
      return original(record, options);
    };
    const record = await attachments.create({
      name: "a",
      body: "racing bytes",
    });
    expect((await attachments.read(record.id)).toString()).toBe("racing bytes");
  });

  it("refuses to migrate to a location without a write store, naming it", async () => {
    const { attachments } = setup();
    const s3 = createAttachments({
      index: createFakeIndex(),
      location: "s3",
      stores: { file: createMemoryStore({ kind: "file" }) },
    });
    await expect(s3.migrate()).rejects.toMatchObject({
      code: StorageErrorCode.NotConfigured,
      message: expect.stringContaining("s3 object storage"),
    });
    expect(await attachments.migrate()).toMatchObject({
      status: "done",
      moved: 0,
    });
  });

  it("says a migration is already running while the lock is held", async () => {
    const { index, attachments } = setup("swift");
    const lock = await index.acquireLock("attachment.migration");
    expect(await attachments.migrate()).toMatchObject({
      status: "already-running",
    });
    await lock?.release();
  });
});
