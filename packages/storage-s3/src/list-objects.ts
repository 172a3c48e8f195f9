import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { ListEntry } from "@cloud-platform/storage-core";

/** Where and how {@link listObjects} lists. */
export interface ListContext {
  bucket: string;
  /** The store's own key prefix, stripped from listed keys. */
  prefix: string;
  /** The caller's prefix, under the store's. */
  listPrefix: string;
  pageSize: number;
  /** Maps a failed page request to the store's error. */
  fail: (error: unknown) => never;
}

/**
 * Pages through ListObjectsV2, one page in memory at a time. S3 lists in ascending UTF-8
 * byte order, which is the contract's order.
 */
export async function* listObjects(
  client: S3Client,
  ctx: ListContext,
): AsyncGenerator<ListEntry> {
  let token: string | undefined;
  do {
    const input = {
      Bucket: ctx.bucket,
      Prefix: ctx.prefix + ctx.listPrefix,
      MaxKeys: ctx.pageSize,
      ContinuationToken: token,
    };
    const page = await client
      .send(new ListObjectsV2Command(input))
      .catch(ctx.fail);
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      yield {
        key: item.Key.slice(ctx.prefix.length),
        size: item.Size ?? 0,
        ...(item.ETag ? { etag: item.ETag.replace(/^"(.*)"$/, "$1") } : {}),
        ...(item.LastModified ? { lastModified: item.LastModified } : {}),
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}
