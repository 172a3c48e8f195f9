import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAttachments,
  createFilesystemStore,
  type AttachmentRecord,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, openIndex } from "@cloud-platform/storage-sql";
import { testEndpoints } from "@cloud-platform/test-services";
import { jsonLines, runCli } from "./cli-process.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

const ep = testEndpoints();

async function dataFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (e) => !e.isDirectory() && !join(e.parentPath, e.name).includes("/.cp-"),
    )
    .map((e) => e.name);
}

/**
 * `status`, `migrate --dry-run` and `migrate` on a dev database: files written to the local
 * filestore, then `install exoscale` (dev keeps files in the database) moves nothing until
 * `migrate` does.
 */
describe("cloud-platform status and migrate", () => {
  let dir = "";
  let env: Record<string, string> = {};
  const files: { record: AttachmentRecord; bytes: Buffer }[] = [];

  const status = async (): Promise<Record<string, unknown>> => {
    const result = await runCli(["status", "--json"], env);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-cli-migrate-"));
    env = {
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      // The kind's credentials, but no bucket: on dev the files go to the database.
      AWS_HOST: ep.s3.endpoint,
      AWS_REGION: ep.s3.region,
      AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
    };
    const index = await openIndex(env.DATABASE_URL!);
    try {
      const attachments = createAttachments({
        index,
        stores: {
          file: createFilesystemStore({ root: env.FILESTORE_PATH! }),
          db: createDatabaseStore(index),
        },
        location: "file",
      });
      for (const size of [0, 10, 4096, 150_000, 1_200_000]) {
        const bytes = randomBytes(size);
        files.push({
          record: await attachments.create({
            name: `file-${size}.bin`,
            mimetype: "application/octet-stream",
            body: bytes,
          }),
          bytes,
        });
      }
    } finally {
      await index.close();
    }
  }, 60_000);

  afterAll(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  const totalBytes = (): number =>
    files.reduce((sum, f) => sum + f.bytes.length, 0);

  it("install --no-migrate on dev records the kind with the database location", async () => {
    const result = await runCli(
      ["install", "exoscale", "--no-migrate", "--json"],
      env,
    );
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      {
        type: "install",
        kind: "exoscale",
        location: "db",
        browser: { cors: "unchanged", tempUrlKey: "not-needed" },
      },
    ]);
  });

  it("status --json shows the environment, kind, location and files per location", async () => {
    expect(await status()).toEqual({
      environment: "dev",
      kind: "exoscale",
      location: "db",
      database: "sqlite",
      attachments: [
        { location: "file", count: files.length, bytes: totalBytes() },
      ],
      migrationLock: null,
    });
  });

  it("migrate --dry-run --json lists the work and changes nothing", async () => {
    const result = await runCli(["migrate", "--dry-run", "--json"], env);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    const planned = lines.filter((l) => l.type === "planned");
    expect(planned.map((p) => p.id).sort()).toEqual(
      files.map((f) => f.record.id).sort(),
    );
    for (const item of planned)
      expect(item).toMatchObject({
        from: expect.stringMatching(/^file:/),
        to: "db",
      });
    expect(lines.find((l) => l.type === "report")).toMatchObject({
      dryRun: true,
      failed: [],
    });
    expect((await status()).attachments).toEqual([
      { location: "file", count: files.length, bytes: totalBytes() },
    ]);
    expect(await dataFiles(env.FILESTORE_PATH!)).toHaveLength(files.length);
  });

  it("migrate --json moves every file, reports it and exits 0", async () => {
    const result = await runCli(["migrate", "--json"], env);
    expect(result.code).toBe(0);
    const report = jsonLines(result.stdout).find((l) => l.type === "report");
    expect(report).toMatchObject({
      status: "done",
      dryRun: false,
      target: "db",
      moved: files.length,
      failed: [],
      bytes: totalBytes(),
    });
    // Progress goes to stderr, as JSON lines when not on a terminal; the last one says all is done.
    expect(jsonLines(result.stderr).at(-1)).toMatchObject({
      type: "progress",
      done: files.length,
      total: files.length,
    });
    expect(await status()).toMatchObject({
      attachments: [
        { location: "db", count: files.length, bytes: totalBytes() },
      ],
      migrationLock: null,
    });
    expect(await dataFiles(env.FILESTORE_PATH!)).toEqual([]);
  });

  it("every moved file reads back with its checksum", async () => {
    const index = await openIndex(env.DATABASE_URL!);
    try {
      const attachments = createAttachments({
        index,
        stores: { db: createDatabaseStore(index) },
      });
      for (const { record, bytes } of files) {
        const read = await attachments.read(record.id);
        expect(createHash("sha256").update(read).digest("hex")).toBe(
          record.checksum,
        );
        expect(read.equals(bytes)).toBe(true);
      }
    } finally {
      await index.close();
    }
  });

  it("a second migrate finds nothing to move and exits 0", async () => {
    const result = await runCli(["migrate", "--json"], env);
    expect(result.code).toBe(0);
    expect(
      jsonLines(result.stdout).find((l) => l.type === "report"),
    ).toMatchObject({ moved: 0, failed: [] });
  });
});
