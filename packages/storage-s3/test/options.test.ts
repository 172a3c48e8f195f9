import { describe, expect, it } from "@jest/globals";
import { S3Client } from "@aws-sdk/client-s3";
import {
  createBackoffRetryStrategy,
  createS3Store,
  isS3ConfigError,
} from "../src/index.js";

describe("createS3Store options", () => {
  it("reports every invalid option at once", () => {
    let caught: unknown;
    try {
      createS3Store({
        bucket: "No_Good",
        prefix: "no-slash",
        multipart: { partSize: 1024, queueSize: 0 },
        retry: { maxAttempts: 0 },
      });
    } catch (error) {
      caught = error;
    }
    expect(isS3ConfigError(caught)).toBe(true);
    const names = isS3ConfigError(caught)
      ? caught.problems.map((p) => p.name)
      : [];
    expect(names).toEqual([
      "bucket",
      "client",
      "prefix",
      "multipart.partSize",
      "multipart.queueSize",
      "retry.maxAttempts",
    ]);
  });

  it("refuses a KMS key id without KMS encryption", () => {
    expect(() =>
      createS3Store({
        bucket: "ok-bucket",
        clientConfig: {},
        serverSideEncryption: "AES256",
        sseKmsKeyId: "alias/files",
      }),
    ).toThrow(/sseKmsKeyId: needs serverSideEncryption "aws:kms"/);
  });

  it("refuses both a client and a client configuration", () => {
    const client = new S3Client({ region: "us-east-1" });
    expect(() =>
      createS3Store({ bucket: "ok-bucket", client, clientConfig: {} }),
    ).toThrow(/exactly one of client and clientConfig/);
    client.destroy();
  });
});

describe("createBackoffRetryStrategy", () => {
  const strategy = createBackoffRetryStrategy({
    maxAttempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 150,
  });

  it("retries transient errors with a capped, jittered delay until maxAttempts", async () => {
    const first = await strategy.acquireInitialRetryToken("s3");
    const second = await strategy.refreshRetryTokenForRetry(first, {
      errorType: "TRANSIENT",
    });
    expect(second.getRetryCount()).toBe(1);
    expect(second.getRetryDelay()).toBeLessThanOrEqual(100);
    const third = await strategy.refreshRetryTokenForRetry(second, {
      errorType: "SERVER_ERROR",
    });
    expect(third.getRetryDelay()).toBeLessThanOrEqual(150);
    await expect(
      strategy.refreshRetryTokenForRetry(third, { errorType: "THROTTLING" }),
    ).rejects.toThrow();
  });

  it("never retries client errors", async () => {
    const first = await strategy.acquireInitialRetryToken("s3");
    await expect(
      strategy.refreshRetryTokenForRetry(first, { errorType: "CLIENT_ERROR" }),
    ).rejects.toThrow();
  });
});
