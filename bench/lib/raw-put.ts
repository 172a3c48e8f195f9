/**
 * The floor a migration is measured against: a plain PUT loop over the same filestore files,
 * with no index, no proof pass and no checksum header, at a given concurrency. Run as its own
 * process (under `/usr/bin/time -v`, like the two tools):
 *
 *   node --import tsx bench/lib/raw-put.ts <s3|swift> <filestore> <container> <concurrency>
 *
 * S3: the AWS SDK's PutObject (checksums only when required, as our store sets it), path
 * style. Swift: `fetch` PUTs with a tempauth token. The container is created first.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { authenticate } from "./swift-server.js";
import { endpoints, localS3Client } from "./tools.js";

/** Files up to this size are read whole before their PUT; larger ones are streamed. */
const WHOLE = 8 * 1024 * 1024;

async function filesOf(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => {
      const top = relative(root, path).split("/")[0];
      return top !== ".cp-meta" && top !== ".cp-tmp";
    });
}

/** PUTs one file; resolves to its size. */
type Put = (key: string, path: string) => Promise<number>;

async function body(
  path: string,
): Promise<{ data: Buffer | Readable; size: number }> {
  const { size } = await stat(path);
  return size <= WHOLE
    ? { data: await readFile(path), size }
    : { data: createReadStream(path), size };
}

async function s3Put(container: string): Promise<Put> {
  const client = localS3Client();
  await client.send(new CreateBucketCommand({ Bucket: container }));
  return async (key, path) => {
    const { data, size } = await body(path);
    await client.send(
      new PutObjectCommand({
        Bucket: container,
        Key: key,
        Body: data,
        ContentLength: size,
      }),
    );
    return size;
  };
}

async function swiftPut(container: string): Promise<Put> {
  const { url, token } = await authenticate(endpoints.swift);
  const base = `${url}/${encodeURIComponent(container)}`;
  const made = await fetch(base, {
    method: "PUT",
    headers: { "X-Auth-Token": token },
  });
  if (!made.ok) throw new Error(`container PUT: ${made.status}`);
  return async (key, path) => {
    const { data, size } = await body(path);
    const response = await fetch(
      `${base}/${key.split("/").map(encodeURIComponent).join("/")}`,
      {
        method: "PUT",
        headers: {
          "X-Auth-Token": token,
          "Content-Length": String(size),
        },
        body: data instanceof Readable ? Readable.toWeb(data) : data,
        // undici needs it for a streamed body
        duplex: "half",
      },
    );
    await response.arrayBuffer();
    if (response.status !== 201)
      throw new Error(`PUT ${key}: ${response.status}`);
    return size;
  };
}

async function main(): Promise<void> {
  const [api, root, container, concurrencyArg] = process.argv.slice(2);
  if ((api !== "s3" && api !== "swift") || !root || !container)
    throw new Error(
      "usage: raw-put.ts <s3|swift> <filestore> <container> <concurrency>",
    );
  const concurrency = Number(concurrencyArg ?? "16");
  const files = await filesOf(root);
  const put = api === "s3" ? await s3Put(container) : await swiftPut(container);
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const path = files[next++] as string;
        const size = await put(relative(root, path), path);
        bytes += size;
      }
    }),
  );
  process.stdout.write(
    `${JSON.stringify({ type: "report", files: files.length, bytes, durationMs: performance.now() - started })}\n`,
  );
}

await main();
