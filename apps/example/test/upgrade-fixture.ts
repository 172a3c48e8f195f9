import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAttachments,
  createFilesystemStore,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, openIndex } from "@cloud-platform/storage-sql";
import { uniqueName } from "@cloud-platform/test-services";
import { randomBody, sha256 } from "./client.js";
import { runCli } from "./app-process.js";
import {
  createTestDatabase,
  dropContainer,
  dropRedisPrefix,
  objectStoreEnv,
  redisEnv,
  sessionSecret,
  uniqueContainer,
  type Kind,
  type TestDatabase,
} from "./services.js";

/** An installation at version 1.0.0 whose files all wait on one host's filestore. */
export interface UpgradeFixture {
  db: TestDatabase;
  filestore: string;
  container: string;
  /** The app's environment (integration, Redis sessions, the kind's object store). */
  env: Record<string, string>;
  /** Attachment id → SHA-256 of its bytes. */
  checksums: Map<string, string>;
  drop(): Promise<void>;
}

/**
 * Files written while object storage was not active yet (an upgrade step before storage was
 * configured), then `install <kind> --no-migrate`: the next upgrade start has `files` files
 * of `size` bytes to move from the filestore to the object store.
 */
export async function createUpgradeFixture(
  kind: Kind,
  files: number,
  options: { size?: number; redisUrl?: string } = {},
): Promise<UpgradeFixture> {
  const size = options.size ?? 1024;
  const db = await createTestDatabase();
  const filestore = await mkdtemp(join(tmpdir(), "cp-upgrade-"));
  const container = uniqueContainer();
  const prefix = `${uniqueName("cpup")}-odoo-integration`;
  const checksums = new Map<string, string>();
  const index = await openIndex(db.url);
  try {
    const attachments = createAttachments({
      index,
      stores: {
        file: createFilesystemStore({ root: filestore }),
        db: createDatabaseStore(index),
      },
      location: "file",
    });
    for (let start = 0; start < files; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, files - start) }, async (_, i) => {
          const body = randomBody(size);
          const record = await attachments.create({
            name: `file-${start + i}.bin`,
            mimetype: "application/octet-stream",
            body,
          });
          checksums.set(record.id, sha256(body));
        }),
      );
    }
    await attachments.recordVersion("1.0.0");
  } finally {
    await index.close();
  }
  const env = {
    RUNNING_ENV: "integration",
    DATABASE_URL: db.url,
    FILESTORE_PATH: filestore,
    SESSION_SECRET: sessionSecret(),
    ODOO_LOGGING_JSON: "1",
    ...(options.redisUrl === undefined
      ? redisEnv(prefix)
      : redisEnv(prefix, options.redisUrl)),
    ...objectStoreEnv(kind, container),
  };
  const installed = await runCli(["install", kind, "--no-migrate"], env);
  if (installed.code !== 0)
    throw new Error(
      `install ${kind} --no-migrate failed (${installed.code}):\n${installed.stdout}\n${installed.stderr}`,
    );
  return {
    db,
    filestore,
    container,
    env,
    checksums,
    async drop() {
      await dropContainer(container);
      if (options.redisUrl === undefined) await dropRedisPrefix(prefix);
      await db.drop();
      await rm(filestore, { recursive: true, force: true });
    },
  };
}
