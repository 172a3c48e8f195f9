import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll } from "@jest/globals";
import { describeStoreContract } from "@cloud-platform/storage-contract";
import { createS3Store } from "../src/index.js";
import {
  createTestBucket,
  dropBucket,
  rawClient,
  testClientConfig,
} from "./helpers.js";

const raw: S3Client = rawClient();
const buckets = new Map<object, string>();

afterAll(() => raw.destroy());

describeStoreContract({
  name: "s3 (Swift s3api on loopback)",
  signedUrls: true,
  create: async () => {
    const bucket = await createTestBucket(raw, "cp-s3-contract");
    const store = createS3Store({ bucket, clientConfig: testClientConfig() });
    buckets.set(store, bucket);
    return store;
  },
  destroy: async (store) => {
    const bucket = buckets.get(store);
    if (bucket !== undefined) await dropBucket(raw, bucket);
  },
});
