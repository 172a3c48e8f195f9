import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  isStorageError,
  type ObjectInfo,
  type StoreDriver,
} from "@cloud-platform/storage-core";
import type { BucketGuard } from "./bucket-guard.js";
import {
  contentMd5Middleware,
  contentMd5MiddlewareOptions,
} from "./content-md5.js";
import { encryptionParams } from "./encryption.js";
import { listObjects } from "./list-objects.js";
import { mapS3Error } from "./map-error.js";
import type { ResolvedS3Options } from "./options.js";
import { bufferedBytes, putObject } from "./put-object.js";
import { openObject } from "./read-object.js";
import { encryptionHeaders } from "./signed-put.js";
import { signUrl } from "./signed-url.js";
import { abortMultipartLeftover, listMultipartLeftovers } from "./leftovers.js";
import type { UploadCleanup } from "./upload-cleanup.js";

/** What the S3 driver is made of. */
export interface S3DriverParts {
  client: S3Client;
  ownsClient: boolean;
  options: ResolvedS3Options;
  cleanup: UploadCleanup;
  bucketGuard: BucketGuard;
}

/** DeleteObjects requests in flight at once in `deleteMany`. */
const DELETES_IN_FLIGHT = 4;

const unquote = (etag: string): string => etag.replace(/^"(.*)"$/, "$1");

/** The S3 {@link StoreDriver}: every method maps its S3 errors with bucket and key. */
export function createS3Driver(parts: S3DriverParts): StoreDriver {
  const { client, options: o, cleanup, bucketGuard } = parts;
  const { bucket, prefix } = o;
  const at = (key: string): string => prefix + key;
  const fail =
    (op: string, key?: string, signal?: AbortSignal) =>
    (error: unknown): never => {
      throw mapS3Error(error, {
        op,
        bucket,
        key,
        store: `s3:${bucket}`,
        signal,
      });
    };
  const driver: StoreDriver = {
    kind: "s3",
    container: bucket,
    ...(o.serverSideEncryption === undefined
      ? {}
      : { signedPutHeaders: encryptionHeaders(encryptionParams(o)) }),
    bufferedBytes: (size) => bufferedBytes(o, size),
    put: async (key, body, put) => {
      await bucketGuard.beforeWrite().catch(fail("put", key));
      const stored = await putObject(
        { client, options: o, cleanup },
        at(key),
        body,
        put,
      ).catch(fail("put", key, put.signal));
      return { key, ...stored };
    },
    get: async (key, { signal } = {}) => {
      const body = await openObject(
        client,
        { Bucket: bucket, Key: at(key) },
        signal,
      ).catch(fail("get", key, signal));
      const bytes = await body
        .transformToByteArray()
        .catch(fail("get", key, signal));
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    getStream: async (key, { range, signal } = {}) => {
      const input = {
        Bucket: bucket,
        Key: at(key),
        ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}),
      };
      return openObject(client, input, signal, range !== undefined).catch(
        fail("getStream", key, signal),
      );
    },
    head: async (key) =>
      toInfo(
        key,
        await client
          .send(new HeadObjectCommand({ Bucket: bucket, Key: at(key) }))
          .catch(fail("head", key)),
      ),
    exists: async (key) => {
      try {
        await driver.head(key);
        return true;
      } catch (error) {
        if (isStorageError(error, "E_NOT_FOUND")) return false;
        throw error;
      }
    },
    delete: async (key) => {
      await client
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: at(key) }))
        .catch(fail("delete", key));
    },
    list: (listPrefix = "", { pageSize = 1000 } = {}) =>
      listObjects(client, {
        bucket,
        prefix,
        listPrefix,
        pageSize,
        fail: (error) => fail("list")(error),
      }),
    copy: async (from, to) => {
      await bucketGuard.beforeWrite().catch(fail("copy", to));
      const source = `${bucket}/${at(from).split("/").map(encodeURIComponent).join("/")}`;
      await client
        .send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: at(to),
            CopySource: source,
            ...encryptionParams(o),
          }),
        )
        .catch(fail("copy", from));
    },
    deleteMany: async (keys) => {
      // Batches of at most `deleteBatchSize`, a few in flight: a server that deletes the
      // objects of one DeleteObjects one by one (as s3api does) works on several at once.
      const size = Math.max(
        1,
        Math.min(
          o.deleteBatchSize,
          Math.max(100, Math.ceil(keys.length / DELETES_IN_FLIGHT)),
        ),
      );
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += size)
        batches.push(keys.slice(i, i + size));
      const deleteBatch = async (batch: string[]): Promise<void> => {
        const command = new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: {
            Objects: batch.map((k) => ({ Key: at(k) })),
            Quiet: true,
          },
        });
        if (o.compat.deleteObjectsContentMd5)
          command.middlewareStack.add(
            contentMd5Middleware,
            contentMd5MiddlewareOptions,
          );
        const out = await client.send(command).catch(fail("deleteMany"));
        // A key that was already gone is what deleting it wanted; anything else is a failure.
        const first = out.Errors?.find((e) => e.Code !== "NoSuchKey");
        if (first)
          fail(
            "deleteMany",
            first.Key?.slice(prefix.length),
          )({ name: first.Code, message: first.Message, $metadata: {} });
      };
      const worker = async (): Promise<void> => {
        for (let b = batches.shift(); b !== undefined; b = batches.shift())
          await deleteBatch(b);
      };
      await Promise.all(
        Array.from(
          { length: Math.min(DELETES_IN_FLIGHT, batches.length) },
          worker,
        ),
      );
    },
    signedUrl: async (key, url = {}) =>
      signUrl(
        client,
        { Bucket: bucket, Key: at(key) },
        url,
        encryptionParams(o),
      ),
    listLeftovers: ({ signal } = {}) =>
      mapped(listMultipartLeftovers(client, bucket, prefix, signal), fail),
    removeLeftover: async (leftover) =>
      abortMultipartLeftover(client, bucket, prefix, leftover).catch(
        fail("removeLeftover", leftover.key),
      ),
    close: async () => {
      await cleanup.stop();
      if (parts.ownsClient) client.destroy();
    },
  };
  return driver;
}

interface HeadOutput {
  ContentLength?: number | undefined;
  ContentType?: string | undefined;
  ETag?: string | undefined;
  LastModified?: Date | undefined;
  Metadata?: Record<string, string> | undefined;
}

function toInfo(key: string, out: HeadOutput): ObjectInfo {
  return {
    key,
    size: out.ContentLength ?? 0,
    contentType: out.ContentType ?? "application/octet-stream",
    ...(out.ETag ? { etag: unquote(out.ETag) } : {}),
    ...(out.LastModified ? { lastModified: out.LastModified } : {}),
    metadata: out.Metadata ?? {},
  };
}

/** The listing with its S3 errors mapped like every other operation's. */
async function* mapped<T>(
  source: AsyncGenerator<T>,
  fail: (op: string) => (error: unknown) => never,
): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    fail("listLeftovers")(error);
  }
}
