import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ObjectStore } from "@cloud-platform/storage-core";
import { garbageCollector } from "@cloud-platform/storage-contract";
import { createS3Store } from "../src/index.js";
import {
  createTestBucket,
  digestStream,
  dropBucket,
  generatedStream,
  measureRss,
  rawClient,
  testClientConfig,
} from "./helpers.js";

const GiB = 1024 ** 3;
const MB = 1000 ** 2;

describe("a 1 GiB object", () => {
  let raw: S3Client;
  let bucket: string;
  let store: ObjectStore;

  beforeAll(async () => {
    raw = rawClient();
    bucket = await createTestBucket(raw, "cp-s3-big");
    store = createS3Store({ bucket, clientConfig: testClientConfig() });
  });

  afterAll(async () => {
    await store.close?.();
    await dropBucket(raw, bucket);
    raw.destroy();
  });

  it("streams up and down with bounded memory and comes back byte-identical", async () => {
    const source = generatedStream(GiB, 42);
    // Both phases are measured against the RSS before the upload, so memory the upload
    // released (but the process kept) cannot hide what the download uses.
    garbageCollector()();
    const baseline = process.memoryUsage.rss();
    const up = await measureRss(
      () => store.put("big/1gib.bin", source, { size: GiB }),
      baseline,
    );
    expect(up.result.size).toBe(GiB);

    const down = await measureRss(
      async () => digestStream(await store.getStream("big/1gib.bin")),
      baseline,
    );
    expect(down.result).toEqual({ sha256: source.digest(), size: GiB });
    expect(up.peakGrowth).toBeLessThan(100 * MB);
    expect(down.peakGrowth).toBeLessThan(100 * MB);
  }, 300_000);
});
