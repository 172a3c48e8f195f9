import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  AbortMultipartUploadCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { garbageCollector } from "@cloud-platform/storage-contract";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";

/** Client configuration for the local Swift S3 API (optionally through another endpoint). */
export function testClientConfig(endpoint?: string): S3ClientConfig {
  const s3 = testEndpoints().s3;
  return {
    endpoint: endpoint ?? s3.endpoint,
    region: s3.region,
    credentials: {
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    },
  };
}

/** A raw client straight to the server, to look at what the store left behind. */
export function rawClient(): S3Client {
  return new S3Client({
    ...testClientConfig(),
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Creates a uniquely named, empty bucket. */
export async function createTestBucket(
  client: S3Client,
  prefix = "cp-s3",
): Promise<string> {
  const bucket = uniqueName(prefix);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Multipart uploads still open in the bucket. */
export async function openUploads(
  client: S3Client,
  bucket: string,
): Promise<{ key: string; uploadId: string }[]> {
  const out = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket }),
  );
  return (out.Uploads ?? []).map((u) => ({
    key: u.Key ?? "",
    uploadId: u.UploadId ?? "",
  }));
}

/**
 * Part objects the server still keeps for a bucket. Swift's s3api stores multipart parts in
 * a `<bucket>+segments` container that the S3 API does not show, so this asks the Swift API.
 */
export async function leftoverSegments(bucket: string): Promise<string[]> {
  const { authUrl, user, key } = testEndpoints().swiftV1;
  const auth = await fetch(authUrl, {
    headers: { "x-auth-user": user, "x-auth-key": key },
  });
  const storageUrl = auth.headers.get("x-storage-url") ?? "";
  const token = auth.headers.get("x-auth-token") ?? "";
  const response = await fetch(
    `${storageUrl}/${encodeURIComponent(`${bucket}+segments`)}?format=json`,
    { headers: { "x-auth-token": token } },
  );
  if (response.status === 404) return [];
  return ((await response.json()) as { name: string }[]).map((o) => o.name);
}

/** Aborts open uploads, deletes every object, then the bucket; ignores a missing bucket. */
export async function dropBucket(
  client: S3Client,
  bucket: string,
): Promise<void> {
  try {
    for (const u of await openUploads(client, bucket)) {
      await client.send(
        new AbortMultipartUploadCommand({
          Bucket: bucket,
          Key: u.key,
          UploadId: u.uploadId,
        }),
      );
    }
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key);
      // 20 at a time: a thousand at once would only queue behind the client's 50 sockets.
      for (let i = 0; i < keys.length; i += 20) {
        await Promise.all(
          keys
            .slice(i, i + 20)
            .map((Key) =>
              client.send(new DeleteObjectCommand({ Bucket: bucket, Key })),
            ),
        );
      }
      token = page.NextContinuationToken;
    } while (token !== undefined);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode !== 404
    )
      throw error;
  }
}

/**
 * `size` deterministic pseudo-random bytes (xorshift32 from `seed`), generated on the fly in
 * 64 KiB chunks, never held in memory; `digest()` is the SHA-256 of what was produced.
 */
export function generatedStream(
  size: number,
  seed = 1,
): Readable & { digest(): string } {
  const hash = createHash("sha256");
  let state = seed >>> 0 || 1;
  let left = size;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(64 * 1024, left);
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const words = new Uint32Array(chunk.buffer, chunk.byteOffset, 16 * 1024);
      for (let i = 0; i < words.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      left -= n;
      const out = chunk.subarray(0, n);
      hash.update(out);
      this.push(out);
    },
  });
  return Object.assign(stream, { digest: () => hash.digest("hex") });
}

/** SHA-256 and length of a stream, read chunk by chunk. */
export async function digestStream(
  stream: AsyncIterable<Buffer>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Samples RSS every 25 ms while `run` runs; resolves with its result and the peak growth over
 * `baseline` (default: the RSS when called).
 */
export async function measureRss<T>(
  run: () => Promise<T>,
  baseline = process.memoryUsage.rss(),
): Promise<{ result: T; peakGrowth: number }> {
  let peak = baseline;
  let ticks = 0;
  // Garbage collected every 100 ms, as the contract suite does: the figure is what the work
  // holds, not how lazily V8 frees the garbage of the tests that ran before in this worker.
  const gc = garbageCollector();
  const timer = setInterval(() => {
    if (++ticks % 4 === 0) gc();
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakGrowth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}
