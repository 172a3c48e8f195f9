import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  SettingName,
  createAttachments,
  createFilesystemStore,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, openIndex } from "@cloud-platform/storage-sql";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { createObjectStorage } from "../src/object-storage.js";
import { jsonLines, runCli } from "./cli-process.js";

jest.setTimeout(120_000);

const ep = testEndpoints();

/**
 * A loopback proxy in front of the local Swift's S3 API that holds every object PUT for
 * `holdMs` before passing it on, and records how many were in flight at once. The Host
 * header goes through unchanged, so the requests' signatures still hold at the server.
 */
async function countingProxy(
  bucket: string,
  holdMs: number,
): Promise<{ url: string; maxInFlight(): number; close(): Promise<void> }> {
  const target = new URL(ep.s3.endpoint);
  let inFlight = 0;
  let max = 0;
  const isObjectPut = (req: IncomingMessage): boolean =>
    req.method === "PUT" && (req.url ?? "").startsWith(`/${bucket}/`);
  const server: Server = createServer((req, res) => {
    const counted = isObjectPut(req);
    if (counted) max = Math.max(max, ++inFlight);
    const forward = (): void => {
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.once("end", () => {
            if (counted) inFlight--;
          });
        },
      );
      upstream.once("error", () => res.destroy());
      req.pipe(upstream);
    };
    if (counted) void sleep(holdMs).then(forward);
    else forward();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    maxInFlight: () => max,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * `cloud-platform migrate` copies 16 files at a time unless `--concurrency` says otherwise
 * (CLI_MIGRATION_CONCURRENCY, chosen by measurement): counted at the wire, by a proxy in
 * front of the real S3 API that holds each PUT long enough for every worker to have one open.
 */
describe("cloud-platform migrate concurrency", () => {
  const bucket = uniqueName("cp-cli-conc");
  let dir = "";
  let env: Record<string, string> = {};

  /** Writes `count` small files to the local filestore, as before storage was configured. */
  const seed = async (count: number): Promise<void> => {
    const index = await openIndex(env.DATABASE_URL ?? "");
    try {
      const attachments = createAttachments({
        index,
        stores: {
          file: createFilesystemStore({ root: env.FILESTORE_PATH ?? "" }),
          db: createDatabaseStore(index),
        },
        location: "file",
      });
      for (let i = 0; i < count; i++)
        await attachments.create({
          name: `f-${i}.bin`,
          mimetype: "application/octet-stream",
          body: randomBytes(1024),
        });
      await index.setSetting(SettingName.Kind, "exoscale");
      await index.setSetting(SettingName.Location, "s3");
    } finally {
      await index.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-cli-conc-"));
    env = {
      AWS_REGION: ep.s3.region,
      AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
      AWS_BUCKETNAME: bucket,
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
    };
    const storage = createObjectStorage(
      "exoscale",
      { ...env, AWS_HOST: ep.s3.endpoint },
      { dbName: "test", createContainer: true },
    );
    await storage.stores.write?.put("probe", "x");
    await storage.stores.write?.delete("probe");
    await storage.close();
  });
  afterAll(async () => {
    const storage = createObjectStorage(
      "exoscale",
      { ...env, AWS_HOST: ep.s3.endpoint },
      { dbName: "test" },
    );
    const write = storage.stores.write;
    if (write)
      for await (const entry of write.list(""))
        await write.delete(entry.key).catch(() => undefined);
    await storage.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  for (const [flags, expected] of [
    [[], 16],
    [["--concurrency", "5"], 5],
  ] as const) {
    it(`migrate ${flags.join(" ") || "(defaults)"} keeps ${expected} PUTs in flight`, async () => {
      await seed(40);
      const proxy = await countingProxy(bucket, 200);
      try {
        const result = await runCli(["migrate", "--json", ...flags], {
          ...env,
          AWS_HOST: proxy.url,
        });
        expect(result.stderr).not.toContain("Error");
        expect(result.code).toBe(0);
        const report = jsonLines(result.stdout).find(
          (l) => l["type"] === "report",
        );
        expect(report).toMatchObject({ status: "done", moved: 40 });
        expect(proxy.maxInFlight()).toBe(expected);
      } finally {
        await proxy.close();
      }
    });
  }
});
