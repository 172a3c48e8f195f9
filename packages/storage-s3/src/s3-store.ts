import { CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { defineStore, type ListEntry, type ObjectStore, type StoreDriver } from '@cloud-platform/storage-core';
import { createBucketGuard } from './bucket-guard.js';
import { contentMd5Middleware, contentMd5MiddlewareOptions } from './content-md5.js';
import { createS3Client } from './create-client.js';
import { mapS3Error } from './map-error.js';
import type { S3StoreOptions } from './options.js';
import { putObject } from './put-object.js';
import { openObject } from './read-object.js';
import { resolveS3Options } from './resolve-options.js';
import { signUrl } from './signed-url.js';
import { createUploadCleanup } from './upload-cleanup.js';

/**
 * Creates an {@link ObjectStore} on an S3 bucket (AWS or any S3-compatible server). Keys are
 * checked, bodies normalised and errors wrapped by core's `defineStore`; S3 errors become
 * `StorageError`s (`E_NOT_FOUND`, `E_PERMISSION`, `E_INVALID_RANGE`, `E_UNAVAILABLE` after
 * retries, ...) whose message names the bucket and key. `kind` is `s3`, `container` the bucket.
 * @throws S3ConfigError when the options are invalid (every problem listed).
 */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  const o = resolveS3Options(options);
  const owned = options.client === undefined;
  const client: S3Client = options.client ?? createS3Client(options.clientConfig ?? {}, o);
  const { bucket, prefix } = o;
  const store = `s3:${bucket}`;
  const cleanup = createUploadCleanup(client, bucket, o.cleanupRetryMs);
  const bucketGuard = createBucketGuard(client, bucket, o.createBucket);
  const at = (key: string): string => prefix + key;
  const fail = (op: string, key?: string, signal?: AbortSignal) => (error: unknown): never => {
    throw mapS3Error(error, { op, bucket, key, store, signal });
  };

  const driver: StoreDriver = {
    kind: 's3',
    container: bucket,
    put: async (key, body, putOptions) => {
      await bucketGuard.beforeWrite().catch(fail('put', key));
      const result = await putObject({ client, options: o, cleanup }, at(key), body, putOptions).catch(fail('put', key, putOptions.signal));
      return { key, ...result };
    },
    get: async (key, getOptions = {}) => {
      const body = await openObject(client, { Bucket: bucket, Key: at(key) }, getOptions.signal).catch(fail('get', key, getOptions.signal));
      const bytes = await body.transformToByteArray().catch(fail('get', key, getOptions.signal));
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    getStream: async (key, streamOptions = {}) => {
      const { range, signal } = streamOptions;
      const input = { Bucket: bucket, Key: at(key), ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) };
      return openObject(client, input, signal, range !== undefined).catch(fail('getStream', key, signal));
    },
    head: async (key) => {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: at(key) })).catch(fail('head', key));
      return {
        key,
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        ...(out.ETag ? { etag: out.ETag.replace(/^"(.*)"$/, '$1') } : {}),
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
        metadata: out.Metadata ?? {},
      };
    },
    exists: async (key) => driver.head(key).then(
      () => true,
      (error: unknown) => {
        if ((error as { code?: string }).code === 'E_NOT_FOUND') return false;
        throw error;
      },
    ),
    delete: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: at(key) })).catch(fail('delete', key));
    },
    list: (listPrefix = '', listOptions = {}) => listObjects(client, { bucket, prefix, listPrefix, pageSize: listOptions.pageSize ?? 1000, fail }),
    copy: async (from, to) => {
      await bucketGuard.beforeWrite().catch(fail('copy', to));
      const source = `${bucket}/${at(from).split('/').map(encodeURIComponent).join('/')}`;
      const input = { Bucket: bucket, Key: at(to), CopySource: source, ...(o.serverSideEncryption ? { ServerSideEncryption: o.serverSideEncryption } : {}) };
      await client.send(new CopyObjectCommand(input)).catch(fail('copy', from));
    },
    deleteMany: async (keys) => {
      for (let i = 0; i < keys.length; i += o.deleteBatchSize) {
        const batch = keys.slice(i, i + o.deleteBatchSize).map((k) => ({ Key: at(k) }));
        const command = new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } });
        if (o.compat.deleteObjectsContentMd5) command.middlewareStack.add(contentMd5Middleware, contentMd5MiddlewareOptions);
        const out = await client.send(command).catch(fail('deleteMany'));
        const first = out.Errors?.find((e) => e.Code !== 'NoSuchKey');
        if (first) fail('deleteMany', first.Key?.slice(prefix.length))({ name: first.Code, message: first.Message, $metadata: {} });
      }
    },
    signedUrl: async (key, urlOptions = {}) => signUrl(client, { Bucket: bucket, Key: at(key) }, urlOptions),
    close: async () => {
      await cleanup.stop();
      if (owned) client.destroy();
    },
  };
  return defineStore(driver);
}

interface ListContext {
  bucket: string;
  prefix: string;
  listPrefix: string;
  pageSize: number;
  fail: (op: string) => (error: unknown) => never;
}

/** Pages through ListObjectsV2 (UTF-8 binary key order, as S3 lists), stripping the store prefix. */
async function* listObjects(client: S3Client, ctx: ListContext): AsyncGenerator<ListEntry> {
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: ctx.prefix + ctx.listPrefix, MaxKeys: ctx.pageSize, ContinuationToken: token }))
      .catch(ctx.fail('list'));
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      yield {
        key: item.Key.slice(ctx.prefix.length),
        size: item.Size ?? 0,
        ...(item.ETag ? { etag: item.ETag.replace(/^"(.*)"$/, '$1') } : {}),
        ...(item.LastModified ? { lastModified: item.LastModified } : {}),
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}
