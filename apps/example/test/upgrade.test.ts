import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uniqueName } from "@cloud-platform/test-services";
import {
  killAll,
  runCli,
  startApp,
  untilReady,
  type AppProcess,
  type LogLine,
} from "./app-process.js";
import {
  download,
  login,
  randomBody,
  sha256,
  uploadMultipart,
  uploadRaw,
  type AttachmentView,
} from "./client.js";
import { listRecords, locationOf, refsWithoutObject } from "./object-refs.js";
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

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

/** Every regular file under `dir` (relative paths). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const migrationDone = (logs: readonly LogLine[]): LogLine[] =>
  logs.filter((l) => l.message === "start-up migration done");
const upgraded = (logs: readonly LogLine[]): boolean =>
  logs.some((l) => l.message.startsWith("the application was upgraded"));

/**
 * The original problem: files written to the local filestore while object storage was off,
 * then the kind installed without moving them, then three front-ends started at once on the
 * new version. One moves the files; all serve them from the object store.
 */
describe.each<Kind>(["exoscale", "ovh"])(
  "upgrade on %s: files left in the filestore",
  (kind) => {
    const scheme = kind === "exoscale" ? "s3" : "swift";
    const container = uniqueContainer();
    const prefix = `${uniqueName("cpup")}-odoo-integration`;
    let db: TestDatabase | undefined;
    let filestore = "";
    let env: Record<string, string> = {};
    let apps: AppProcess[] = [];
    const files: { view: AttachmentView; bytes: Buffer }[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      filestore = await mkdtemp(join(tmpdir(), "cp-upgrade-"));
      // Before: dev defaults on the same database, no kind recorded, location `file`.
      const dev = await startApp(
        {
          DATABASE_URL: db.url,
          FILESTORE_PATH: filestore,
          APP_VERSION: "1.0.0",
          ODOO_LOGGING_JSON: "1",
        },
        { name: `${kind}-dev` },
      );
      try {
        const cookie = await login(dev.url, "before");
        const uploads: [string, string, Buffer, "raw" | "multipart"][] = [
          ["empty.txt", "text/plain", Buffer.alloc(0), "raw"],
          ["notes.txt", "text/plain", randomBody(1500), "raw"],
          ["logo.png", "image/png", randomBody(2048), "raw"],
          ["report.pdf", "application/pdf", randomBody(300_000), "multipart"],
          ["données été.csv", "text/csv", randomBody(70_000), "multipart"],
          ["archive.zip", "application/zip", randomBody(2_500_000), "raw"],
        ];
        for (const [name, mimetype, bytes, how] of uploads) {
          const view =
            how === "raw"
              ? await uploadRaw(dev.url, cookie, name, mimetype, bytes)
              : await uploadMultipart(dev.url, cookie, name, mimetype, bytes);
          files.push({ view, bytes });
        }
      } finally {
        expect(await dev.stop()).toEqual({ code: 0, signal: null });
      }
      env = {
        RUNNING_ENV: "integration",
        DATABASE_URL: db.url,
        FILESTORE_PATH: filestore,
        SESSION_SECRET: sessionSecret(),
        ODOO_LOGGING_JSON: "1",
        ...redisEnv(prefix),
        ...objectStoreEnv(kind, container),
      };
    }, 120_000);

    afterAll(async () => {
      await killAll();
      await dropContainer(container);
      await db?.drop();
      await dropRedisPrefix(prefix);
      if (filestore !== "")
        await rm(filestore, { recursive: true, force: true });
    }, 60_000);

    it("files written while object storage was off are in the filestore", async () => {
      expect(files.map((f) => f.view.location)).toEqual(
        files.map(() => "file"),
      );
      const stored = await filesUnder(filestore);
      expect(stored.filter((f) => !f.startsWith(".cp-"))).toHaveLength(
        files.length,
      );
    });

    it("install --no-migrate records the kind and moves nothing", async () => {
      const installed = await runCli(["install", kind, "--no-migrate"], env);
      expect(installed.code).toBe(0);
      expect(installed.stdout).toContain(
        `installed ${kind}: new files go to ${scheme}`,
      );
      expect(installed.stdout).toContain("files not moved (--no-migrate)");
      expect(
        (await listRecords(env.DATABASE_URL!)).map((r) => locationOf(r.ref)),
      ).toEqual(files.map(() => "file"));
    });

    it("three front-ends started at once on a new version: exactly one moves the files", async () => {
      apps = await Promise.all(
        ["a", "b", "c"].map((name) =>
          startApp(
            { ...env, APP_VERSION: "2.0.0" },
            { name: `${kind}-${name}` },
          ),
        ),
      );
      // They listen at once; the one that migrates is ready when it is done.
      await Promise.all(apps.map((app) => untilReady(app.url)));
      const reports = apps.map((app) => migrationDone(app.logs));
      const movers = reports.filter((r) =>
        r.some((line) => line.moved === files.length),
      );
      expect(movers).toHaveLength(1);
      expect(
        reports
          .flat()
          .map((r) => r.moved as number)
          .reduce((a, b) => a + b, 0),
      ).toBe(files.length);
      for (const app of apps) {
        const mine = migrationDone(app.logs);
        const waited = app.logs.some((l) =>
          l.message.startsWith("another process is migrating files"),
        );
        // The others found the lock held, or came after the version was recorded, or found nothing left.
        expect(mine.length === 1 || waited || !upgraded(app.logs)).toBe(true);
        expect(app.logs.filter((l) => l["log.level"] === "error")).toEqual([]);
      }
    });

    it("every file ends readable from every front-end with its checksum", async () => {
      const cookie = await login(apps[0]!.url, "after");
      for (const { view, bytes } of files) {
        for (const app of apps) {
          const got = await download(app.url, cookie, view.id);
          expect(got.response.status).toBe(200);
          expect(sha256(got.bytes)).toBe(sha256(bytes));
          expect(got.response.headers.get("etag")).toBe(`"${view.checksum}"`);
        }
      }
    });

    it("the files now live in the object store (small images in the database) and the filestore is empty", async () => {
      const records = await listRecords(env.DATABASE_URL!);
      const where = Object.fromEntries(
        records.map((r) => [r.name, locationOf(r.ref)]),
      );
      expect(where["logo.png"]).toBe("db");
      const moved = records.filter((r) => r.name !== "logo.png");
      expect(moved.map((r) => locationOf(r.ref))).toEqual(
        moved.map(() => `${scheme}://${container}`),
      );
      expect(await refsWithoutObject(kind, env, db!.name, moved)).toEqual([]);
      expect(await filesUnder(filestore)).toEqual([]);
    });

    it("a plain restart on the same version does not migrate", async () => {
      expect(await apps[0]!.stop()).toEqual({ code: 0, signal: null });
      const restarted = await startApp(
        { ...env, APP_VERSION: "2.0.0" },
        { name: `${kind}-a2` },
      );
      apps[0] = restarted;
      await untilReady(restarted.url);
      expect(upgraded(restarted.logs)).toBe(false);
      expect(migrationDone(restarted.logs)).toEqual([]);
      expect(
        restarted.logs.find((l) => l.message === "platform ready"),
      ).toMatchObject({ kind, location: scheme });
    });
  },
);
