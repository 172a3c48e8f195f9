import { AbortMultipartUploadCommand, type S3Client } from "@aws-sdk/client-s3";
import { setTimeout as sleep } from "node:timers/promises";

/** Aborts multipart uploads that failed, retrying in the background while the server is unreachable. */
export interface UploadCleanup {
  /**
   * Aborts the upload now; when that fails for a reason other than "already gone", keeps
   * retrying in the background (backoff up to 30 s) until the server answers or `retryMs`
   * has passed. Never throws. The retry timers do not keep the process alive.
   */
  abort(key: string, uploadId: string): Promise<void>;
  /** Stops the background retries (after one last attempt each) and waits for them. */
  stop(): Promise<void>;
}

const isGone = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchUpload" || e.$metadata?.httpStatusCode === 404;
};

/** Creates the {@link UploadCleanup} of one store. */
export function createUploadCleanup(
  client: S3Client,
  bucket: string,
  retryMs: number,
): UploadCleanup {
  const running = new Set<Promise<void>>();
  const stopper = new AbortController();
  const once = async (key: string, uploadId: string): Promise<boolean> => {
    try {
      await client.send(
        new AbortMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
        }),
      );
      return true;
    } catch (error) {
      return isGone(error);
    }
  };
  const retry = async (key: string, uploadId: string): Promise<void> => {
    const deadline = Date.now() + retryMs;
    for (
      let delay = 500;
      Date.now() < deadline && !stopper.signal.aborted;
      delay = Math.min(delay * 2, 30_000)
    ) {
      await sleep(delay, undefined, {
        signal: stopper.signal,
        ref: false,
      }).catch(() => undefined);
      if (await once(key, uploadId)) return;
    }
  };
  return {
    abort: async (key, uploadId) => {
      if (await once(key, uploadId)) return;
      const job = retry(key, uploadId).finally(() => running.delete(job));
      running.add(job);
    },
    stop: async () => {
      stopper.abort();
      await Promise.all(running);
    },
  };
}
