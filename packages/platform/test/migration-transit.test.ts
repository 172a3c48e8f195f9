import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { S3Client } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  StorageErrorCode,
  createAttachments,
  createFilesystemStore,
  type AttachmentRecord,
  type Attachments,
  type ObjectStore,
  type PutBody,
} from "@cloud-platform/storage-core";
import { createS3Store } from "@cloud-platform/storage-s3";
import {
  createDatabaseStore,
  openIndex,
  type SqlIndex,
} from "@cloud-platform/storage-sql";
import { createSwiftStore } from "@cloud-platform/storage-swift";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";

jest.setTimeout(60_000);

const ep = testEndpoints();
const MiB = 1024 * 1024;
const sha = (data: Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** A store that damages what it sends, one that does not, and a count of the damages done. */
interface Damaging {
  store: ObjectStore;
  clean: ObjectStore;
  flips: number[];
}

/**
 * An S3 store whose every body above 5 MiB goes in 5 MiB parts, on a client that flips one
 * byte of part 1 after its Content-MD5 was taken (and before the request is signed, so only
 * the MD5 can tell).
 */
function damagingS3(bucket: string): Damaging {
  const flips: number[] = [];
  const client = new S3Client({
    endpoint: ep.s3.endpoint,
    region: ep.s3.region,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    credentials: {
      accessKeyId: ep.s3.accessKeyId,
      secretAccessKey: ep.s3.secretAccessKey,
    },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; query?: object };
      const part = (request.query as Record<string, string> | undefined)?.[
        "partNumber"
      ];
      if (
        context.commandName === "UploadPartCommand" &&
        part === "1" &&
        Buffer.isBuffer(request.body)
      ) {
        const altered = Buffer.from(request.body);
        altered[7] = altered[7]! ^ 0x01;
        request.body = altered;
        flips.push(1);
      }
      return next(args);
    },
    { step: "build", name: "flipPartOne", priority: "low" },
  );
  const store = createS3Store({
    bucket,
    client,
    createBucket: true,
    multipart: { partSize: 5 * MiB, singleRequestMax: 0 },
  });
  const clean = createS3Store({
    bucket,
    createBucket: true,
    clientConfig: {
      endpoint: ep.s3.endpoint,
      region: ep.s3.region,
      credentials: {
        accessKeyId: ep.s3.accessKeyId,
        secretAccessKey: ep.s3.secretAccessKey,
      },
    },
  });
  return { store, clean, flips };
}

/** A Swift store whose puts get their body with one byte flipped, after the caller took its MD5. */
function damagingSwift(container: string): Damaging {
  const flips: number[] = [];
  const inner = createSwiftStore({
    container,
    createContainer: true,
    auth: {
      type: "tempauth",
      authUrl: ep.swiftV1.authUrl,
      user: ep.swiftV1.user,
      key: ep.swiftV1.key,
    },
  });
  async function* flipped(body: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    let first = true;
    for await (const chunk of body) {
      if (first) {
        const altered = Buffer.from(chunk);
        altered[7] = altered[7]! ^ 0x01;
        flips.push(1);
        first = false;
        yield altered;
      } else yield chunk;
    }
  }
  const store: ObjectStore = {
    ...inner,
    put: (key: string, body: PutBody, options) =>
      inner.put(
        key,
        Buffer.isBuffer(body)
          ? body
          : Readable.from(flipped(body as AsyncIterable<Buffer>)),
        options,
      ),
  };
  return { store, clean: inner, flips };
}

/**
 * Large files (streamed from the filestore, not held in memory) damaged between the client's
 * checksum and the real server: the S3 multipart path (per-part Content-MD5) and the Swift
 * streamed PUT (the proven MD5 as ETag). The server refuses, nothing is committed, and the
 * attachment that already shares the key in the bucket still reads its bytes.
 */
describe.each(["s3", "swift"] as const)(
  "a large body damaged on the way to %s",
  (kind) => {
    let dir = "";
    let index: SqlIndex;
    let file: ObjectStore;
    let damaging: Damaging;
    const name = uniqueName(`cp-transit-${kind}`);

    const attachments = (location: "file" | "s3" | "swift"): Attachments =>
      createAttachments({
        index,
        location,
        stores: {
          file,
          db: createDatabaseStore(index),
          objectStorage: {
            kind,
            write: damaging.store,
            open: () => damaging.store,
          },
        },
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "cp-mig-transit-"));
      index = await openIndex(join(dir, "index.sqlite"));
      file = createFilesystemStore({ root: join(dir, "filestore") });
      damaging = kind === "s3" ? damagingS3(name) : damagingSwift(name);
    });

    afterAll(async () => {
      for await (const entry of damaging.store.list(""))
        await damaging.store.delete(entry.key);
      await damaging.store.close?.();
      await damaging.clean.close?.();
      await index.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("is refused by the server: nothing committed, the shared key still reads", async () => {
      const bytes = randomBytes(9 * MiB);
      const local = attachments("file");
      const a: AttachmentRecord = await local.create({
        name: "a",
        body: bytes,
      });
      const b = await local.create({ name: "b", body: bytes });
      const key = a.ref.slice("file:".length);
      // A moved already (its bytes written without damage); B still uses the local file.
      const { clean, flips } = damaging;
      await clean.put(key, bytes);
      await index.claimBatch({ locations: ["file"], limit: 1 }, async () => [
        {
          id: a.id,
          from: a.ref,
          to: `${kind}://${name}/${key}`,
          collect: false,
        },
      ]);
      flips.length = 0;

      const report = await attachments(kind).migrate();

      expect(flips.length).toBeGreaterThan(0);
      expect(report).toMatchObject({ moved: 0 });
      expect(report.failed).toEqual([
        expect.objectContaining({ id: b.id, code: StorageErrorCode.Integrity }),
      ]);
      expect((await index.get(b.id))?.ref).toBe(b.ref);
      expect(sha(await attachments(kind).read(a.id))).toBe(a.checksum);
      expect(sha(await file.get(key))).toBe(b.checksum);
    });
  },
);
