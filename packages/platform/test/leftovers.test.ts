import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  SettingName,
  createAttachments,
  type AttachmentRecord,
  type Leftover,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import { openIndex, type SqlIndex } from "@cloud-platform/storage-sql";
import {
  dropContainer,
  testEndpoints,
  uniqueName,
} from "@cloud-platform/test-services";
import {
  createObjectStorage,
  type ObjectStorage,
} from "../src/object-storage.js";
import { jsonLines, runCli } from "./cli-process.js";

jest.setTimeout(180_000);

const ep = testEndpoints();
const fixture = fileURLToPath(
  new URL("./fixtures/cut-upload.ts", import.meta.url),
);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

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

async function leftovers(store: ObjectStore): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for await (const leftover of store.listLeftovers?.() ?? [])
    found.push(leftover);
  return found;
}

/**
 * SIGKILL during a large upload (an S3 multipart upload; a Swift SLO, its segments written,
 * no manifest yet): `fsck` reports the leftover, `gc` keeps it through the grace period and
 * removes it after, and every attachment still reads.
 */
describe.each<Kind>(["exoscale", "ovh"])(
  "leftovers of an upload killed mid-way (%s)",
  (kind) => {
    const container = uniqueName("cp-leftover");
    let dir = "";
    let env: Record<string, string> = {};
    let index: SqlIndex;
    let storage: ObjectStorage;
    let write: ObjectStore;
    let kept: AttachmentRecord;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "cp-leftover-"));
      env = {
        ...storeEnv(kind, container),
        DATABASE_URL: join(dir, "index.sqlite"),
        FILESTORE_PATH: join(dir, "filestore"),
      };
      index = await openIndex(env.DATABASE_URL ?? "");
      await index.setSetting(SettingName.Kind, kind);
      await index.setSetting(
        SettingName.Location,
        kind === "exoscale" ? "s3" : "swift",
      );
      storage = createObjectStorage(kind, env, {
        dbName: index.databaseName,
        createContainer: true,
      });
      write = storage.stores.write as ObjectStore;
      kept = await createAttachments({
        index,
        stores: { objectStorage: storage.stores },
      }).create({ name: "k.txt", body: Buffer.from("kept") });

      child = spawn(
        process.execPath,
        [
          "--conditions=@cloud-platform/source",
          "--import",
          tsx,
          fixture,
          kind,
          index.databaseName,
          "u/cut/killed-upload",
        ],
        {
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
          stdio: ["ignore", "ignore", "inherit"],
        },
      );
      // Killed once the store holds some of its bytes outside any object.
      const deadline = Date.now() + 90_000;
      while ((await leftovers(write)).every((l) => l.size === 0)) {
        if (Date.now() > deadline) throw new Error("no part was ever stored");
        if (child.exitCode !== null) throw new Error("the uploader exited");
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill("SIGKILL");
      await new Promise((r) => child?.once("exit", r));
    });

    afterAll(async () => {
      child?.kill("SIGKILL");
      for (const leftover of await leftovers(write).catch(() => []))
        await write.removeLeftover?.(leftover).catch(() => undefined);
      await storage.close();
      await index.close();
      await dropContainer(container).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    it("fsck reports the leftover of the killed upload, and nothing is broken", async () => {
      const result = await runCli(["fsck", "--json"], env);
      expect(result.code).toBe(0);
      const found = jsonLines(result.stdout).filter(
        (l) => l.type === "finding",
      );
      expect(found).toEqual([
        expect.objectContaining({
          kind: "leftover",
          location: `${kind === "exoscale" ? "s3" : "swift"}://${container}`,
          leftover: expect.objectContaining({
            kind: kind === "exoscale" ? "multipart-upload" : "segments",
            key: "u/cut/killed-upload",
          }) as unknown,
        }),
      ]);
      const human = await runCli(["fsck"], env);
      expect(human.stdout).toContain(
        kind === "exoscale"
          ? "unfinished multipart upload"
          : "segments without a manifest",
      );
    });

    it("gc keeps it through the grace period, then removes it; the attachments still read", async () => {
      const young = await runCli(["gc", "--json"], env);
      expect(young.code).toBe(0);
      expect(jsonLines(young.stdout).at(-1)).toMatchObject({
        leftoversRemoved: 0,
        young: 1,
      });
      expect(await leftovers(write)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1100));
      const done = await runCli(["gc", "--older-than", "1s", "--json"], env);
      expect(done.code).toBe(0);
      expect(jsonLines(done.stdout).at(-1)).toMatchObject({
        leftoversRemoved: 1,
      });
      expect(await leftovers(write)).toEqual([]);
      const attachments = createAttachments({
        index,
        stores: { objectStorage: storage.stores },
      });
      expect((await attachments.read(kept.id)).toString()).toBe("kept");
    });
  },
);
