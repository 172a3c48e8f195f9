import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  StorageErrorCode,
  uuidv7,
  type NewAttachmentRecord,
} from "@cloud-platform/storage-core";
import { SCHEMA_VERSION, type SqlIndex } from "../src/index.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const CHECKSUM = "a".repeat(64);

function record(
  ref: string,
  extra: Partial<NewAttachmentRecord> = {},
): NewAttachmentRecord {
  return {
    id: uuidv7(),
    name: "a.txt",
    mimetype: "text/plain",
    size: 3,
    checksum: CHECKSUM,
    ref,
    ...extra,
  };
}

describe.each(BACKENDS)("SqlIndex on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
  });
  afterAll(async () => {
    await index.close();
    await db.destroy();
  });

  it("creates the schema once when several processes open the database at the same moment", async () => {
    const others = await Promise.all([db.open(), db.open(), db.open()]);
    const versions = await index.driver.all<{ version: number | string }>(
      "SELECT version FROM cp_schema ORDER BY version",
    );
    expect(versions.map((v) => Number(v.version))).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    await Promise.all(others.map((o) => o.close()));
  });

  it("inserts, reads back and lists records in id order", async () => {
    const a = await index.insert(record("file:list/a"));
    const b = await index.insert(record("file:list/b"));
    expect(await index.get(a.id)).toEqual(a);
    const listed = await index.list({ after: a.id, limit: 10 });
    expect(listed.map((r) => r.id)).toContain(b.id);
    expect(listed.map((r) => r.id)).not.toContain(a.id);
  });

  it("rejects a record with a malformed ref or checksum, storing nothing", async () => {
    const bad = record("ftp://x/y");
    await expect(index.insert(bad)).rejects.toMatchObject({
      code: StorageErrorCode.InvalidArgument,
    });
    await expect(
      index.insert(record("file:ok", { checksum: "xyz" })),
    ).rejects.toMatchObject({ code: StorageErrorCode.InvalidArgument });
    expect(await index.get(bad.id)).toBeUndefined();
  });

  it("lists only the locations asked for", async () => {
    const inDb = await index.insert(record("db:loc/x"));
    const listed = await index.list({ locations: ["db"], limit: 1000 });
    expect(listed.map((r) => r.id)).toEqual([inDb.id]);
  });

  it("deletes a record and queues its ref only when asked", async () => {
    const kept = await index.insert(record("file:gc/kept"));
    const gone = await index.insert(record("file:gc/gone"));
    await index.delete(kept.id, { collect: () => false });
    await index.delete(gone.id, { collect: (ref) => ref === "file:gc/gone" });
    expect(await index.get(gone.id)).toBeUndefined();
    const garbage = await index.listGarbage({ limit: 100 });
    expect(garbage).toContain("file:gc/gone");
    expect(garbage).not.toContain("file:gc/kept");
  });

  it("returns undefined when deleting a missing record", async () => {
    expect(
      await index.delete(uuidv7(), { collect: () => true }),
    ).toBeUndefined();
  });

  it("counts the references of a ref, inside and outside its lock", async () => {
    await index.insert(record("file:shared/1"));
    await index.insert(record("file:shared/1"));
    expect(await index.countRefs("file:shared/1")).toBe(2);
    expect(
      await index.withRefLocks(["file:shared/1"], (scope) =>
        scope.countRefs("file:shared/1"),
      ),
    ).toBe(2);
  });

  it("applies only the moves whose old ref still matches, queueing collected refs", async () => {
    const r1 = await index.insert(record("file:claim/1"));
    const r2 = await index.insert(record("file:claim/2"));
    const result = await index.claimBatch(
      { locations: ["file"], limit: 1000 },
      async (rows) => {
        expect(rows.map((r) => r.id)).toEqual(
          expect.arrayContaining([r1.id, r2.id]),
        );
        return [
          { id: r1.id, from: r1.ref, to: "db:claim/1", collect: true },
          { id: r2.id, from: "file:changed", to: "db:claim/2", collect: true },
        ];
      },
    );
    expect(result.applied).toEqual([r1.id]);
    expect((await index.get(r1.id))?.ref).toBe("db:claim/1");
    expect((await index.get(r2.id))?.ref).toBe("file:claim/2");
    expect(await index.listGarbage({ limit: 1000 })).toContain("file:claim/1");
  });

  // A claim is a committed lease on both databases: a second claimer skips its rows.
  it("skips the rows another batch has claimed", async () => {
    for (let i = 0; i < 6; i++) await index.insert(record(`file:skip/${i}`));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstRows: string[] = [];
    const first = index.claimBatch(
      { locations: ["file"], limit: 3 },
      async (rows) => {
        firstRows = rows.map((r) => r.id);
        await gate;
        return [];
      },
    );
    while (firstRows.length === 0) await new Promise((r) => setTimeout(r, 10));
    let secondRows: string[] = [];
    await index.claimBatch({ locations: ["file"], limit: 3 }, async (rows) => {
      secondRows = rows.map((r) => r.id);
      return [];
    });
    release();
    await first;
    expect(secondRows.length).toBe(3);
    expect(secondRows.filter((id) => firstRows.includes(id))).toEqual([]);
  });

  it("applies nothing when the batch work throws", async () => {
    const r = await index.insert(record("file:throw/1"));
    await expect(
      index.claimBatch({ locations: ["file"], limit: 1000 }, () =>
        Promise.reject(new Error("boom")),
      ),
    ).rejects.toThrow("boom");
    expect((await index.get(r.id))?.ref).toBe("file:throw/1");
  });

  it("reports count and bytes per location", async () => {
    const stats = await index.stats();
    const db = stats.find((s) => s.location === "db");
    expect(db?.count).toBeGreaterThan(0);
    expect(db?.bytes).toBe((db?.count ?? 0) * 3);
  });

  it("keeps settings, and removes one set to undefined", async () => {
    await index.setSetting("attachment.location", "s3");
    await index.setSetting("attachment.location", "swift");
    await index.setSetting("temp", "x");
    await index.setSetting("temp", undefined);
    expect(await index.getSetting("attachment.location")).toBe("swift");
    expect(await index.settings()).toMatchObject({
      "attachment.location": "swift",
    });
    expect(await index.getSetting("temp")).toBeUndefined();
  });

  it("gives a lock to one holder at a time and tells who holds it", async () => {
    const other = await db.open();
    const first = await index.acquireLock("test.lock", "first");
    expect(first).toBeDefined();
    expect(await other.acquireLock("test.lock", "second")).toBeUndefined();
    expect(await other.lockHolder("test.lock")).toMatchObject({
      holder: "first",
      pid: process.pid,
    });
    await first?.release();
    expect(await other.lockHolder("test.lock")).toBeUndefined();
    const second = await other.acquireLock("test.lock", "second");
    expect(second).toBeDefined();
    await second?.release();
    await other.close();
  });

  it("fails with E_UNAVAILABLE once closed", async () => {
    const other = await db.open();
    await other.close();
    await expect(other.ping()).rejects.toMatchObject({
      code: StorageErrorCode.Unavailable,
    });
  });
});
