import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { isStorageError } from "@cloud-platform/storage-core";
import { configureS3Bucket } from "../src/bucket-cors.js";
import { createTestBucket, rawClient, testClientConfig } from "./helpers.js";

describe("configureS3Bucket (CORS for browser uploads)", () => {
  const raw = rawClient();
  let bucket: string;

  beforeAll(async () => {
    bucket = await createTestBucket(raw, "cp-cors");
  });
  afterAll(async () => {
    await raw.send(new DeleteBucketCommand({ Bucket: bucket }));
    raw.destroy();
  });

  it("says `unsupported` where the server does not implement bucket CORS (the local s3api)", async () => {
    const result = await configureS3Bucket(
      { bucket, clientConfig: testClientConfig() },
      { corsOrigins: ["http://127.0.0.1:3000"] },
    );
    expect(result).toEqual({
      cors: "unsupported",
      corsOrigins: ["http://127.0.0.1:3000"],
    });
  });

  it("refuses what is not an origin before sending anything", async () => {
    const error = await configureS3Bucket(
      {
        bucket,
        clientConfig: testClientConfig("http://127.0.0.1:9"),
      },
      { corsOrigins: ["https://app.example.com/path"] },
    ).catch((e: unknown) => e);
    expect(isStorageError(error, "E_INVALID_ARGUMENT")).toBe(true);
  });
});
