import { rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  contentKey,
  sha256Hex,
  uuidv7,
  type Attachments,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

describe.each(BACKENDS)("fsck and gc on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  let s3: Attachments;
  beforeEach(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
    stores = testStores(index, db.dir);
    s3 = testAttachments(index, stores, "s3");
  });
  afterEach(async () => {
    await index.close();
    await db.destroy();
  });

  /** An attachment of an integration copy pointing at prod's bucket. */
  async function prodRef(body: string, stored = true): Promise<string> {
    const checksum = sha256Hex(Buffer.from(body));
    const key = contentKey(checksum);
    if (stored) await stores.prod.put(key, Buffer.from(body));
    const id = uuidv7();
    await index.insert({
      id,
      name: "prod.txt",
      mimetype: "text/plain",
      size: body.length,
      checksum,
      ref: `s3://prod/${key}`,
    });
    return id;
  }

  it("finds nothing wrong in a consistent index", async () => {
    await s3.create({ name: "a", body: Buffer.from("buffer bytes") });
    await s3.create({
      name: "b",
      body: Readable.from([Buffer.from("stream")]),
    });
    await testAttachments(index, stores, "db").create({ name: "c", body: "d" });
    await testAttachments(index, stores, "file").create({
      name: "e",
      body: "f",
    });
    await prodRef("prod bytes");
    const report = await s3.fsck();
    expect(report).toMatchObject({ findings: [], broken: false });
    expect(report.refsChecked).toBe(5);
  });

  it("reports missing objects and size mismatches with their attachment ids", async () => {
    const gone = await s3.create({ name: "gone", body: Buffer.from("gone") });
    const resized = await s3.create({ name: "r", body: Buffer.from("resize") });
    await stores.ours.delete(gone.ref.replace("s3://ours/", ""));
    await stores.ours.put(
      resized.ref.replace("s3://ours/", ""),
      "longer bytes",
    );
    const report = await s3.fsck();
    expect(report.broken).toBe(true);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        { kind: "missing", ref: gone.ref, ids: [gone.id] },
        {
          kind: "size-mismatch",
          ref: resized.ref,
          ids: [resized.id],
          recorded: [6],
          stored: 12,
        },
      ]),
    );
    expect(report.findings).toHaveLength(2);
  });

  it("streams the findings without keeping them when asked, the same across page boundaries", async () => {
    const created = [];
    for (const body of ["one", "two", "three", "four", "five", "six"])
      created.push(await s3.create({ name: body, body: Buffer.from(body) }));
    const key = (ref: string): string => ref.replace("s3://ours/", "");
    await stores.ours.delete(key(created[1]?.ref ?? ""));
    await stores.ours.put(key(created[4]?.ref ?? ""), "resized bytes");
    await stores.ours.put("u/00/orphan-a", "a");
    await stores.ours.put("u/ff/orphan-b", "b");
    const kept = await s3.fsck();
    const streamed: unknown[] = [];
    const report = await s3.fsck({
      pageSize: 2,
      keepFindings: false,
      onFinding: (finding) => streamed.push(finding),
    });
    expect(report.findings).toEqual([]);
    expect(streamed).toEqual(kept.findings);
    expect(kept.findings).toHaveLength(4);
    expect(report.counts).toEqual({
      missing: 1,
      "size-mismatch": 1,
      orphan: 2,
    });
    expect(report.counts).toEqual(kept.counts);
    expect(report).toMatchObject({
      broken: true,
      refsChecked: 6,
      objectsListed: 7,
    });
  });

  it("reports every ref of a bucket whose listing fails as unreadable", async () => {
    const ids: string[] = [];
    for (const body of ["one", "two", "three"])
      ids.push((await s3.create({ name: body, body: Buffer.from(body) })).id);
    // The bucket's directory replaced by a link to itself: listing it fails for real (ELOOP).
    const root = join(db.dir, "bucket-ours");
    await rm(root, { recursive: true });
    await symlink("bucket-ours", root);
    const report = await s3.fsck({ pageSize: 2 });
    expect(report.broken).toBe(true);
    expect(report.findings).toEqual([
      {
        kind: "unreadable",
        location: "s3://ours",
        ids: expect.arrayContaining(ids),
        reason: expect.any(String),
      },
    ]);
    expect(report.findings[0]).toMatchObject({ ids: { length: 3 } });
  });

  it("reports refs into an unconfigured store as unreadable", async () => {
    const id = uuidv7();
    await index.insert({
      id,
      name: "x",
      mimetype: "text/plain",
      size: 1,
      checksum: sha256Hex(Buffer.from("x")),
      ref: "swift://elsewhere/k",
    });
    const report = await s3.fsck();
    expect(report.broken).toBe(true);
    expect(report.findings).toEqual([
      expect.objectContaining({
        kind: "unreadable",
        location: "swift://elsewhere",
        ids: [id],
      }),
    ]);
  });

  it("checks prod's refs read-only and never calls prod's objects orphans", async () => {
    await prodRef("present in prod");
    const missing = await prodRef("missing in prod", false);
    await stores.prod.put("unreferenced/prod-object", "prod's own");
    const report = await s3.fsck();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: "missing", ids: [missing] }),
    ]);
  });

  it("reports an object written before a crash as an orphan, and gc removes it after the grace period", async () => {
    const kept = await s3.create({ name: "k", body: Buffer.from("kept") });
    await stores.ours.put("u/00/crashed-before-insert", "orphan bytes");
    await prodRef("prod keeps this");
    await stores.prod.put("unreferenced/prod-object", "prod's own");
    const report = await s3.fsck();
    expect(report).toMatchObject({
      broken: false,
      findings: [
        {
          kind: "orphan",
          ref: "s3://ours/u/00/crashed-before-insert",
          size: 12,
        },
      ],
    });
    const young = await s3.gc();
    expect(young).toMatchObject({ deleted: 0, young: 1 });
    expect(await stores.ours.exists("u/00/crashed-before-insert")).toBe(true);
    const dry = await s3.gc({ olderThanMs: 0, dryRun: true });
    expect(dry).toMatchObject({ candidates: 1, deleted: 0 });
    expect(await stores.ours.exists("u/00/crashed-before-insert")).toBe(true);
    const done = await s3.gc({ olderThanMs: 0 });
    expect(done).toMatchObject({ candidates: 1, deleted: 1, bytes: 12 });
    expect(await stores.ours.exists("u/00/crashed-before-insert")).toBe(false);
    expect(await stores.prod.exists("unreferenced/prod-object")).toBe(true);
    expect((await s3.read(kept.id)).toString()).toBe("kept");
    expect((await s3.fsck()).findings).toEqual([]);
  });

  it("keeps an orphan that an attachment references by the time gc deletes", async () => {
    const bytes = Buffer.from("adopted late");
    const key = contentKey(sha256Hex(bytes));
    await stores.ours.put(key, bytes);
    const withLateInsert = testAttachments(index, stores, "s3");
    const report = await withLateInsert.fsck();
    expect(report.findings).toHaveLength(1);
    // The upload's row lands between the listing and the delete.
    const original = index.withRefLocks.bind(index);
    let adopted: string | undefined;
    index.withRefLocks = async (refs, fn) => {
      adopted ??= (await withLateInsert.create({ name: "late", body: bytes }))
        .id;
      return original(refs, fn);
    };
    try {
      const gc = await withLateInsert.gc({ olderThanMs: 0 });
      expect(gc).toMatchObject({ candidates: 1, deleted: 0, kept: 1 });
    } finally {
      index.withRefLocks = original;
    }
    expect((await s3.read(adopted ?? "")).toString()).toBe("adopted late");
  });
});
