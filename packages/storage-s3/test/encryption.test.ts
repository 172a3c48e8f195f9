import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ObjectStore } from "@cloud-platform/storage-core";
import { testEndpoints } from "@cloud-platform/test-services";
import {
  createS3Store,
  MIN_PART_SIZE,
  s3OptionsFromEnv,
} from "../src/index.js";
import {
  createTestBucket,
  dropBucket,
  generatedStream,
  rawClient,
} from "./helpers.js";
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";

/**
 * `AWS_SSE` / `AWS_SSE_KMS_KEY_ID` against the local Swift's s3api (2.30), which implements
 * no server-side encryption: it answers every write that asks for it 501 NotImplemented
 * "Server-side encryption is not supported." That refusal, from the real server, proves the
 * header reached it on each write path; a recording proxy in front shows the KMS key id too.
 */
describe("S3 server-side encryption from the environment", () => {
  const s3 = testEndpoints().s3;
  let raw: S3Client;
  let bucket: string;
  let proxy: RecordingProxy;
  let plain: ObjectStore;

  const storeWith = (extra: Record<string, string>): ObjectStore =>
    createS3Store({
      ...s3OptionsFromEnv({
        AWS_HOST: proxy.endpoint,
        AWS_REGION: s3.region,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_BUCKETNAME: bucket,
        ...extra,
      }),
      multipart: { partSize: MIN_PART_SIZE, queueSize: 1 },
      retry: { maxAttempts: 1 },
    });
  const refusedForEncryption = {
    code: "E_UNAVAILABLE",
    message: expect.stringMatching(
      /NotImplemented 501 Server-side encryption is not supported/,
    ) as unknown,
  };
  const sent = (path: string, method: string) =>
    proxy.requests.filter((r) => r.method === method && r.url.startsWith(path));

  beforeAll(async () => {
    raw = rawClient();
    bucket = await createTestBucket(raw, "cp-s3-sse");
    proxy = await startRecordingProxy(s3.endpoint);
    plain = storeWith({});
    await plain.put("source.txt", "source");
  });

  afterAll(async () => {
    await plain.close?.();
    await proxy.close();
    await dropBucket(raw, bucket);
    raw.destroy();
  });

  it("asks AES256 on a single PutObject (the local s3api refuses it)", async () => {
    const store = storeWith({ AWS_SSE: "AES256" });
    await expect(store.put("one.txt", "one")).rejects.toMatchObject(
      refusedForEncryption,
    );
    expect(await plain.exists("one.txt")).toBe(false);
    await store.close?.();
  });

  it("asks it when a multipart upload is created, so no part is sent", async () => {
    const store = storeWith({ AWS_SSE: "AES256" });
    await expect(
      store.put("big.bin", generatedStream(MIN_PART_SIZE * 2 + 1)),
    ).rejects.toMatchObject(refusedForEncryption);
    const path = `/${bucket}/big.bin`;
    expect(
      sent(path, "POST").map((r) => r.headers["x-amz-server-side-encryption"]),
    ).toEqual(["AES256"]);
    expect(sent(path, "PUT")).toEqual([]);
    await store.close?.();
  });

  it("asks it on a server-side copy", async () => {
    const store = storeWith({ AWS_SSE: "AES256" });
    await expect(store.copy("source.txt", "copy.txt")).rejects.toMatchObject(
      refusedForEncryption,
    );
    await store.close?.();
  });

  it("sends aws:kms with the key id of AWS_SSE_KMS_KEY_ID", async () => {
    const store = storeWith({
      AWS_SSE: "aws:kms",
      AWS_SSE_KMS_KEY_ID: "alias/cloud-platform-test",
    });
    await expect(store.put("kms.txt", "kms")).rejects.toMatchObject(
      refusedForEncryption,
    );
    const [put] = sent(`/${bucket}/kms.txt`, "PUT");
    expect(put?.headers).toMatchObject({
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id":
        "alias/cloud-platform-test",
    });
    await store.close?.();
  });

  it("signs it into a presigned PUT: a browser's upload is refused without it, and asks it with it", async () => {
    const store = storeWith({
      AWS_SSE: "aws:kms",
      AWS_SSE_KMS_KEY_ID: "alias/cloud-platform-test",
    });
    expect(store.signedPutHeaders).toEqual({
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id":
        "alias/cloud-platform-test",
    });
    const url = new URL(
      await store.signedUrl!("direct.txt", {
        method: "PUT",
        contentType: "text/plain",
        contentLength: 6,
      }),
    );
    // Headers, never query parameters: S3 ignores encryption asked in the query string.
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining([
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
      ]),
    );
    expect(url.searchParams.has("x-amz-server-side-encryption")).toBe(false);
    const upload = (headers: Record<string, string>) =>
      fetch(url, {
        method: "PUT",
        body: "direct",
        headers: { "content-type": "text/plain", ...headers },
      });
    // Without the headers the signature does not match; with them it does, and the local
    // s3api then refuses the encryption it cannot do (501): the header reached it, signed.
    expect((await upload({})).status).toBe(403);
    const sentWith = await upload({ ...store.signedPutHeaders });
    expect([sentWith.status, await sentWith.text()]).toEqual([
      501,
      expect.stringContaining("Server-side encryption is not supported"),
    ]);
    expect(await plain.exists("direct.txt")).toBe(false);
    await store.close?.();
  });

  it("asks nothing when AWS_SSE is unset", async () => {
    expect(plain.signedPutHeaders).toBeUndefined();
    await plain.put("clear.txt", "clear");
    const [put] = sent(`/${bucket}/clear.txt`, "PUT");
    expect(put?.headers).not.toHaveProperty("x-amz-server-side-encryption");
  });
});
