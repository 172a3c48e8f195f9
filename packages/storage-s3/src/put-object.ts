import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StorageError, StorageErrorCode, type PutOptions } from '@cloud-platform/storage-core';
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import type { ResolvedS3Options } from './options.js';
import type { UploadCleanup } from './upload-cleanup.js';

/** What {@link putObject} needs from its store. */
export interface PutContext {
  client: S3Client;
  options: ResolvedS3Options;
  cleanup: UploadCleanup;
  store: string;
}

/** Counts the bytes that pass, so a streamed upload can report its size. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

const unquote = (etag: string | undefined): string | undefined => etag?.replace(/^"(.*)"$/, '$1');

/**
 * Stores `body` under the bucket key `objectKey`: a buffer up to one part in a single
 * PutObject, anything else as a multipart upload (lib-storage, `queueSize` parts of
 * `partSize` bytes in flight). A failed or aborted multipart upload is aborted on the server
 * (retried in the background while the server is unreachable), so nothing is stored.
 */
export async function putObject(ctx: PutContext, objectKey: string, body: Buffer | Readable, options: PutOptions): Promise<{ size: number; etag?: string }> {
  const { client, options: o } = ctx;
  const params: PutObjectCommandInput = {
    Bucket: o.bucket,
    Key: objectKey,
    ContentType: options.contentType ?? 'application/octet-stream',
    ...(options.metadata ? { Metadata: options.metadata } : {}),
    ...(o.serverSideEncryption ? { ServerSideEncryption: o.serverSideEncryption } : {}),
  };
  if (Buffer.isBuffer(body) && body.length <= o.partSize) {
    const out = await client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }), options.signal ? { abortSignal: options.signal } : {});
    return withEtag({ size: body.length }, out.ETag);
  }
  const counter = Buffer.isBuffer(body) ? undefined : new ByteCounter();
  // pipeline, not pipe: a failing body must fail the counter too, or lib-storage waits forever.
  const source = counter === undefined ? bufferBody(body as Buffer, options.signal, ctx.store, objectKey) : pipeline(body as Readable, counter, () => undefined);
  const upload = new Upload({ client, params: { ...params, Body: source }, partSize: o.partSize, queueSize: o.queueSize, leavePartsOnError: true });
  try {
    const out = await upload.done();
    return withEtag({ size: counter?.bytes ?? (body as Buffer).length }, out.ETag);
  } catch (error) {
    if (source instanceof Readable) source.destroy();
    if (!Buffer.isBuffer(body)) body.destroy();
    if (upload.uploadId !== undefined) await ctx.cleanup.abort(objectKey, upload.uploadId);
    throw error;
  }
}

function withEtag(result: { size: number }, etag: string | undefined): { size: number; etag?: string } {
  const clean = unquote(etag);
  return clean === undefined ? result : { ...result, etag: clean };
}

/**
 * A large buffer as is (lib-storage slices it without copying), or, when the upload can be
 * aborted, as a stream of slices that the signal destroys: lib-storage stops reading and the
 * upload fails like any broken body.
 */
function bufferBody(buffer: Buffer, signal: AbortSignal | undefined, store: string, key: string): Buffer | Readable {
  if (!signal) return buffer;
  const slices = function* (): Generator<Buffer> {
    for (let at = 0; at < buffer.length; at += 1024 * 1024) yield buffer.subarray(at, at + 1024 * 1024);
  };
  const stream = Readable.from(slices(), { objectMode: false });
  const onAbort = (): void => {
    stream.destroy(new StorageError(StorageErrorCode.Aborted, 'upload aborted', { key, store, cause: signal.reason }));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onAbort));
  return stream;
}
