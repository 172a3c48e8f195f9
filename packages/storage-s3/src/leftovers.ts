import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Leftover } from "@cloud-platform/storage-core";

/**
 * The multipart uploads of the bucket (under the store's key prefix) that were never
 * completed nor aborted: what a killed process leaves. One ListMultipartUploads page per
 * thousand uploads, and one ListParts per upload for its size and last write (uploads left
 * behind are few; their parts are what the bucket bills).
 */
export async function* listMultipartLeftovers(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Leftover> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        ...(prefix === "" ? {} : { Prefix: prefix }),
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
        ...(uploadIdMarker === undefined
          ? {}
          : { UploadIdMarker: uploadIdMarker }),
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key === undefined || upload.UploadId === undefined) continue;
      const parts = await uploadParts(
        client,
        bucket,
        upload.Key,
        upload.UploadId,
      );
      const last = [upload.Initiated, ...parts.dates]
        .filter((d): d is Date => d instanceof Date)
        .reduce<Date | undefined>((a, b) => (a && a > b ? a : b), undefined);
      yield {
        kind: "multipart-upload",
        key: upload.Key.slice(prefix.length),
        id: upload.UploadId,
        size: parts.size,
        ...(last ? { lastModified: last } : {}),
      };
    }
    if (page.IsTruncated !== true) return;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

async function uploadParts(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<{ size: number; dates: Date[] }> {
  let size = 0;
  const dates: Date[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await client
      .send(
        new ListPartsCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          ...(marker === undefined ? {} : { PartNumberMarker: marker }),
        }),
      )
      .catch((error: unknown) => {
        // Completed or aborted since the listing: nothing left to count.
        if ((error as { name?: unknown }).name === "NoSuchUpload")
          return undefined;
        throw error;
      });
    if (page === undefined) return { size, dates };
    for (const part of page.Parts ?? []) {
      size += part.Size ?? 0;
      if (part.LastModified) dates.push(part.LastModified);
    }
    if (page.IsTruncated !== true) return { size, dates };
    marker = page.NextPartNumberMarker;
  }
}

/** Aborts a multipart upload (its parts go with it); one already gone is not an error. */
export async function abortMultipartLeftover(
  client: S3Client,
  bucket: string,
  prefix: string,
  leftover: Leftover,
): Promise<void> {
  if (leftover.kind !== "multipart-upload") return;
  await client
    .send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: prefix + leftover.key,
        UploadId: leftover.id,
      }),
    )
    .catch((error: unknown) => {
      if ((error as { name?: unknown }).name === "NoSuchUpload") return;
      throw error;
    });
}
