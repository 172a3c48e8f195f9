import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ObjectStore } from "@cloud-platform/storage-core";
import { setTimeout as sleep } from "node:timers/promises";
import { createS3Store } from "../src/index.js";
import {
  createTestBucket,
  dropBucket,
  rawClient,
  testClientConfig,
} from "./helpers.js";

describe("presigned URLs", () => {
  let raw: S3Client;
  let bucket: string;
  let store: ObjectStore;

  beforeAll(async () => {
    raw = rawClient();
    bucket = await createTestBucket(raw, "cp-s3-url");
    store = createS3Store({ bucket, clientConfig: testClientConfig() });
    await store.put("doc/report.pdf", "pdf bytes", {
      contentType: "application/pdf",
    });
  });

  afterAll(async () => {
    await store.close?.();
    await dropBucket(raw, bucket);
    raw.destroy();
  });

  it("lets plain fetch GET the object with the asked content type and disposition", async () => {
    const url = await store.signedUrl!("doc/report.pdf", {
      contentType: "application/x-test",
      contentDisposition: 'attachment; filename="r.pdf"',
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-test");
    expect(response.headers.get("content-disposition")).toBe(
      'attachment; filename="r.pdf"',
    );
    expect(await response.text()).toBe("pdf bytes");
  });

  it("lets plain fetch PUT an object", async () => {
    const url = await store.signedUrl!("doc/upload.txt", {
      method: "PUT",
      contentType: "text/plain",
    });
    const response = await fetch(url, {
      method: "PUT",
      body: "uploaded",
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(200);
    expect(await store.head("doc/upload.txt")).toMatchObject({
      size: 8,
      contentType: "text/plain",
    });
  });

  it("refuses a GET after the URL expired", async () => {
    const url = await store.signedUrl!("doc/report.pdf", { expiresIn: 1 });
    await sleep(2500);
    const response = await fetch(url);
    expect(response.status).toBe(403);
  });
});
