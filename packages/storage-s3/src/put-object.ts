import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  StorageError,
  StorageErrorCode,
  type PutOptions,
} from "@cloud-platform/storage-core";
import { PassThrough, type Readable } from "node:stream";
import { encryptionParams } from "./encryption.js";
import type { ResolvedS3Options } from "./options.js";
import { bufferParts, streamParts, type PartSource } from "./part-source.js";
import type { UploadCleanup } from "./upload-cleanup.js";

/** What {@link putObject} needs from its store. */
export interface PutContext {
  client: S3Client;
  options: ResolvedS3Options;
  cleanup: UploadCleanup;
}

/** S3 accepts at most this many parts in one upload. */
const MAX_PARTS = 10_000;

const unquote = (etag: string | undefined): string | undefined =>
  etag?.replace(/^"(.*)"$/, "$1");
const result = (
  size: number,
  etag: string | undefined,
): { size: number; etag?: string } => {
  const clean = unquote(etag);
  return clean === undefined ? { size } : { size, etag: clean };
};

/** The part size of an upload of `length` bytes: large enough for S3's 10,000 parts to hold it. */
function partSizeFor(o: ResolvedS3Options, length: number | undefined): number {
  return length === undefined
    ? o.partSize
    : Math.max(o.partSize, Math.ceil(length / MAX_PARTS));
}

/**
 * Bytes a put of a stream of `size` bytes holds in memory beyond a few chunks: none in one
 * request; a multipart upload's `queueSize` parts in flight, one being filled and one being
 * read.
 */
export function bufferedBytes(o: ResolvedS3Options, size: number): number {
  return size > o.singleRequestMax
    ? partSizeFor(o, size) * (o.queueSize + 2)
    : 0;
}

/**
 * Stores `body` under the bucket key `objectKey`. A body that fits in one part, or a stream
 * of announced size up to `singleRequestMax`, goes as a single PutObject; a longer one as a
 * multipart upload with `queueSize` parts in flight, each with its Content-MD5.
 * When anything fails (body error, abort, server), the parts in flight are cancelled and the
 * multipart upload is aborted (retried in the background while the server is unreachable):
 * nothing is stored.
 */
export async function putObject(
  ctx: PutContext,
  objectKey: string,
  body: Buffer | Readable,
  options: PutOptions,
): Promise<{ size: number; etag?: string }> {
  const { client, options: o } = ctx;
  const params: PutObjectCommandInput = {
    Bucket: o.bucket,
    Key: objectKey,
    ContentType: options.contentType ?? "application/octet-stream",
    ...(options.metadata ? { Metadata: options.metadata } : {}),
    ...encryptionParams(o),
  };
  // The caller's MD5 of the bytes it meant to send: the server refuses others (BadDigest).
  const md5 =
    options.md5 === undefined
      ? {}
      : { ContentMD5: Buffer.from(options.md5, "hex").toString("base64") };
  const announced = options.size;
  if (
    !Buffer.isBuffer(body) &&
    announced !== undefined &&
    announced > 0 &&
    announced <= o.singleRequestMax
  ) {
    return await putStream(client, { ...params, ...md5 }, body, {
      size: announced,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  const partSize = partSizeFor(
    o,
    Buffer.isBuffer(body) ? body.length : announced,
  );
  const parts = Buffer.isBuffer(body)
    ? bufferParts(body, partSize)
    : streamParts(body, partSize);
  try {
    const first = await parts.next();
    if (
      first === undefined ||
      first.length < partSize ||
      (Buffer.isBuffer(body) && body.length === partSize)
    ) {
      const data = first ?? Buffer.alloc(0);
      const out = await client.send(
        new PutObjectCommand({
          ...params,
          ...md5,
          Body: data,
          ContentLength: data.length,
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      return result(data.length, out.ETag);
    }
    return await multipartUpload(ctx, params, parts, first, options.signal);
  } finally {
    if (!Buffer.isBuffer(body)) body.destroy();
  }
}

/**
 * One streamed PutObject. Core's length guard fails the body when it is shorter or longer
 * than announced; the SDK does not watch its body for errors, so that failure aborts the
 * request here (the server keeps nothing of a cut request) and is what the caller sees.
 */
async function putStream(
  client: S3Client,
  params: PutObjectCommandInput,
  body: Readable,
  options: { size: number; signal?: AbortSignal },
): Promise<{ size: number; etag?: string }> {
  const stop = new AbortController();
  const abortSignal = options.signal
    ? AbortSignal.any([options.signal, stop.signal])
    : stop.signal;
  const carrier = new PassThrough();
  let failure: { error: unknown } | undefined;
  body.once("error", (error) => {
    failure = { error };
    stop.abort(error);
    carrier.destroy();
  });
  body.pipe(carrier);
  try {
    const out = await client.send(
      new PutObjectCommand({
        ...params,
        Body: carrier,
        ContentLength: options.size,
      }),
      { abortSignal },
    );
    return result(options.size, out.ETag);
  } catch (error) {
    throw failure ? failure.error : error;
  } finally {
    body.destroy();
    carrier.destroy();
  }
}

async function multipartUpload(
  ctx: PutContext,
  params: PutObjectCommandInput,
  parts: PartSource,
  first: Buffer,
  signal?: AbortSignal,
): Promise<{ size: number; etag?: string }> {
  const { client } = ctx;
  // Not cancelled by `signal`: an abort after the server created the upload but before we
  // read its id would orphan it. It is short; an abort shows up at the first part instead.
  const created = await client.send(new CreateMultipartUploadCommand(params));
  const target = {
    Bucket: params.Bucket,
    Key: params.Key,
    UploadId: created.UploadId,
  };
  try {
    const { completed, size } = await uploadParts(
      ctx,
      target,
      parts,
      first,
      signal,
    );
    const out = await client.send(
      new CompleteMultipartUploadCommand({
        ...target,
        MultipartUpload: { Parts: completed },
      }),
    );
    return result(size, out.ETag);
  } catch (error) {
    if (target.UploadId !== undefined && target.Key !== undefined)
      await ctx.cleanup.abort(target.Key, target.UploadId);
    throw error;
  }
}

interface PartTarget {
  Bucket: string | undefined;
  Key: string | undefined;
  UploadId: string | undefined;
}

/** Uploads every part, `queueSize` at a time; on the first failure cancels the others and rethrows it. */
async function uploadParts(
  ctx: PutContext,
  target: PartTarget,
  parts: PartSource,
  first: Buffer,
  signal?: AbortSignal,
): Promise<{ completed: CompletedPart[]; size: number }> {
  const { client, options: o } = ctx;
  const completed: CompletedPart[] = [];
  const inflight = new Set<Promise<void>>();
  const stop = new AbortController();
  const abortSignal = signal
    ? AbortSignal.any([signal, stop.signal])
    : stop.signal;
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown): void => {
    failure ??= { error };
    stop.abort();
  };
  // A function, not a test of `failure`: a callback sets it between awaits, which narrowing cannot see.
  const failed = (): boolean => failure !== undefined;
  // Waiting for a slow body must not delay noticing that a part failed.
  const stopped = new Promise<undefined>((resolve) =>
    stop.signal.addEventListener("abort", () => resolve(undefined), {
      once: true,
    }),
  );
  let size = 0;
  for (
    let part: Buffer | undefined = first, n = 1;
    part !== undefined && !failed();
    n++
  ) {
    if (n > MAX_PARTS) {
      fail(
        new StorageError(
          StorageErrorCode.TooLarge,
          `body needs more than ${MAX_PARTS} parts: raise multipart.partSize`,
          { key: target.Key },
        ),
      );
      break;
    }
    const body = part;
    size += body.length;
    const sent = client
      .send(
        new UploadPartCommand({
          ...target,
          PartNumber: n,
          Body: body,
          ContentLength: body.length,
          // Each part is checked by the server: a part damaged on the way is refused.
          ContentMD5: createHash("md5").update(body).digest("base64"),
        }),
        { abortSignal },
      )
      .then((out) => {
        completed.push({ PartNumber: n, ETag: out.ETag });
        parts.release(body);
      }, fail)
      .finally(() => inflight.delete(sent));
    inflight.add(sent);
    while (inflight.size >= o.queueSize && !failed())
      await Promise.race(inflight);
    const next = async (): Promise<Buffer | undefined> =>
      parts.next().catch((error: unknown) => {
        fail(error);
        return undefined;
      });
    part = failed() ? undefined : await Promise.race([next(), stopped]);
  }
  await Promise.all(inflight);
  if (failure !== undefined) throw failure.error;
  return {
    completed: completed.sort(
      (a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0),
    ),
    size,
  };
}
