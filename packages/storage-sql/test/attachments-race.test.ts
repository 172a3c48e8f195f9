import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type {
  Attachments,
  AttachmentRecord,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "../src/index.js";
import {
  testAttachments,
  testStores,
  type TestStores,
} from "./attachments-fixture.js";
import { startChild } from "./child-process.js";
import { createTestDatabase, type TestDatabase } from "./helpers.js";

const FILES = 400;
const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

describe("three processes starting migrate at the same moment on PostgreSQL", () => {
  let db: TestDatabase;
  let index: SqlIndex;
  let stores: TestStores;
  let records: AttachmentRecord[];
  let cloud: Attachments;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    index = await db.open();
    stores = testStores(index, db.dir);
    const local = testAttachments(index, stores, "file");
    cloud = testAttachments(index, stores, "s3");
    records = [];
    for (let i = 0; i < FILES; i++) {
      records.push(
        await local.create({ name: `r${i}.txt`, body: `race file ${i}` }),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await index.close();
    await db.destroy();
  });

  it("lets one run while the others report already running, moving each file exactly once", async () => {
    const args = {
      target: db.target,
      options: db.options,
      dir: db.dir,
      batchSize: 20,
      concurrency: 2,
      waitForGo: true,
    };
    const children = [startChild(args), startChild(args), startChild(args)];
    await Promise.all(
      children.map((c) => c.waitFor((e) => e.event === "ready")),
    );
    for (const child of children) child.process.stdin?.write("go\n");
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0, 0]);

    const reports = children.map((c) =>
      c.events.find((e) => e.event === "report"),
    );
    const statuses = reports.map((r) => r?.["status"]).sort();
    expect(statuses).toEqual(["already-running", "already-running", "done"]);
    const moved = children.flatMap((c) =>
      c.events.flatMap((e) => (e.event === "moved" ? [e.id] : [])),
    );
    expect(moved.length).toBe(FILES);
    expect(new Set(moved)).toEqual(new Set(records.map((r) => r.id)));
    for (const r of records) {
      expect((await index.get(r.id))?.ref).toMatch(/^s3:\/\/ours\//);
      expect(sha(await cloud.read(r.id))).toBe(r.checksum);
    }
  }, 120_000);
});
