import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAttachments,
  createFilesystemStore,
  type AttachmentRecord,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, openIndex } from "@cloud-platform/storage-sql";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { createObjectStorage } from "../src/object-storage.js";
import { jsonLines, runCli } from "./cli-process.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { containerObjects, dropContainer } from "@cloud-platform/test-services";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

const ep = testEndpoints();
type Kind = "exoscale" | "ovh";

function storeEnv(kind: Kind, container: string): Record<string, string> {
  return kind === "exoscale"
    ? {
        AWS_HOST: ep.s3.endpoint,
        AWS_REGION: ep.s3.region,
        AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
        AWS_BUCKETNAME: container,
      }
    : {
        SWIFT_AUTH_URL: ep.swiftV1.authUrl,
        SWIFT_ACCOUNT: ep.swiftV1.user,
        SWIFT_PASSWORD: ep.swiftV1.key,
        SWIFT_WRITE_CONTAINER: container,
      };
}

/**
 * `cloud-platform install <kind>` on integration (index on PostgreSQL: integration needs a
 * shared database) with files in the local filestore: it creates the write
 * bucket/container and moves every file there.
 */
describe.each<Kind>(["exoscale", "ovh"])(
  "cloud-platform install %s",
  (kind) => {
    const scheme = kind === "exoscale" ? "s3" : "swift";
    const container = uniqueName("cp-install");
    let dir = "";
    let database: TestDatabase | undefined;
    let env: Record<string, string> = {};
    const files: { record: AttachmentRecord; bytes: Buffer }[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "cp-cli-install-"));
      database = await createTestDatabase();
      env = {
        RUNNING_ENV: "integration",
        DATABASE_URL: database.url,
        FILESTORE_PATH: join(dir, "filestore"),
        // Checked, never contacted by the CLI.
        ODOO_SESSION_REDIS: "1",
        ODOO_SESSION_REDIS_HOST: "127.0.0.1",
        ODOO_SESSION_REDIS_PREFIX: "acme-odoo-integration",
        SESSION_SECRET: "cli-install-session-secret",
        ...storeEnv(kind, container),
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
        for (const size of [1, 5000, 700_000]) {
          const bytes = randomBytes(size);
          files.push({
            record: await attachments.create({
              name: `f${size}.bin`,
              mimetype: "application/octet-stream",
              body: bytes,
            }),
            bytes,
          });
        }
      } finally {
        await index.close();
      }
    });

    afterAll(async () => {
      await dropContainer(container);
      await database?.drop();
      if (dir !== "") await rm(dir, { recursive: true, force: true });
    });

    it("creates the write container, moves every file there and exits 0", async () => {
      const result = await runCli(["install", kind, "--json"], env);
      expect(result.code).toBe(0);
      const lines = jsonLines(result.stdout);
      expect(lines[0]).toEqual({
        type: "install",
        kind,
        location: scheme,
        // Swift: install puts a TempURL key on the container for direct uploads and downloads.
        browser: {
          cors: "unchanged",
          tempUrlKey: kind === "ovh" ? "created" : "not-needed",
        },
      });
      expect(lines.find((l) => l.type === "report")).toMatchObject({
        status: "done",
        moved: files.length,
        failed: [],
      });
      const status = JSON.parse(
        (await runCli(["status", "--json"], env)).stdout,
      ) as Record<string, unknown>;
      expect(status).toMatchObject({
        kind,
        location: scheme,
        attachments: [
          { location: `${scheme}://${container}`, count: files.length },
        ],
      });
      const left = await readdir(env.FILESTORE_PATH!, {
        recursive: true,
        withFileTypes: true,
      });
      expect(left.filter((e) => !e.isDirectory()).map((e) => e.name)).toEqual(
        [],
      );
    });

    it("leaves each file byte-identical in the object store", async () => {
      const index = await openIndex(env.DATABASE_URL!);
      const storage = createObjectStorage(kind, env, {
        dbName: index.databaseName,
      });
      try {
        const attachments = createAttachments({
          index,
          stores: { objectStorage: storage.stores },
        });
        for (const { record, bytes } of files)
          expect((await attachments.read(record.id)).equals(bytes)).toBe(true);
      } finally {
        await storage.close();
        await index.close();
      }
    });

    it("creates the segments container too on Swift, where large objects keep their segments", async () => {
      expect(await containerObjects(`${container}_segments`)).toEqual(
        kind === "ovh" ? [] : undefined,
      );
    });

    it("run again, finds nothing left to move and exits 0", async () => {
      const result = await runCli(["install", kind, "--json"], env);
      expect(result.code).toBe(0);
      expect(
        jsonLines(result.stdout).find((l) => l.type === "report"),
      ).toMatchObject({ moved: 0, failed: [] });
    });
  },
);
