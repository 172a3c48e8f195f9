/**
 * `@cloud-platform/storage-s3` against the raw AWS SDK on the same S3 server (the local
 * Swift s3api), in the same run: put and get of 1 KB, 1 MB and 100 MB objects. The raw side
 * is what a careful SDK user writes: PutObject / GetObject + transformToByteArray, and for
 * 100 MB a lib-storage Upload with the same part size and concurrency as the store. Each
 * sample times a batch of operations; the table shows the median per operation over up to
 * ROUNDS rounds (store and raw alternate, order rotated), bounded by TIME_BUDGET_MS.
 *
 * Run: `node --import tsx bench/storage-s3.bench.ts` (after building storage-core and storage-s3).
 */
import { pathToFileURL } from "node:url";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createS3Store } from "@cloud-platform/storage-s3";
import type { ObjectStore } from "@cloud-platform/storage-core";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";

const ROUNDS = 9;
const TIME_BUDGET_MS = 60_000;
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

interface Case {
  label: string;
  size: number;
  /** Operations per timed sample, so that small objects are not lost in timer noise. */
  batch: number;
}

const cases: Case[] = [
  { label: "1 KB", size: 1000, batch: 20 },
  { label: "1 MB", size: 1000 ** 2, batch: 5 },
  { label: "100 MB", size: 100 * 1000 ** 2, batch: 1 },
];

interface Subject {
  name: string;
  put(key: string, body: Buffer): Promise<unknown>;
  get(key: string): Promise<Buffer>;
}

function rawSubject(client: S3Client, bucket: string): Subject {
  return {
    name: "raw SDK",
    put: async (key, body) => {
      if (body.length <= PART_SIZE)
        return client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: "application/octet-stream",
          }),
        );
      return new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: "application/octet-stream",
        },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
      }).done();
    },
    get: async (key) => {
      const out = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key }),
      );
      const bytes = await out.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}

function storeSubject(store: ObjectStore): Subject {
  return {
    name: "store",
    put: (key, body) => store.put(key, body),
    get: (key) => store.get(key),
  };
}

/** Milliseconds per operation of one batch. */
async function sample(
  c: Case,
  subject: Subject,
  op: "put" | "get",
  body: Buffer,
): Promise<number> {
  const keys = Array.from(
    { length: c.batch },
    (_, i) => `bench/${subject.name}/${c.label}/${i}`,
  );
  const start = process.hrtime.bigint();
  for (const key of keys) {
    if (op === "put") await subject.put(key, body);
    else if ((await subject.get(key)).length !== body.length)
      throw new Error("short read");
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / c.batch;
}

async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    await Promise.all(
      (page.Contents ?? []).map((o) =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key })),
      ),
    );
    token = page.NextContinuationToken;
  } while (token !== undefined);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ??
  Number.NaN;
const ms = (value: number): string =>
  value < 10 ? value.toFixed(2) : value.toFixed(0);

/** Runs the benchmark and returns its markdown table. */
export async function run(): Promise<string> {
  const { s3 } = testEndpoints();
  const clientConfig = {
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: {
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    },
  };
  const client = new S3Client({
    ...clientConfig,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const bucket = uniqueName("cp-s3-bench");
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = createS3Store({
    bucket,
    clientConfig,
    multipart: { partSize: PART_SIZE, queueSize: QUEUE_SIZE },
  });
  const subjects = [rawSubject(client, bucket), storeSubject(store)];
  const started = Date.now();
  const rows: string[] = [];
  try {
    for (const c of cases) {
      const body = Buffer.alloc(c.size, 0x5a);
      for (const op of ["put", "get"] as const) {
        const samples = subjects.map(() => [] as number[]);
        for (const s of subjects) await sample(c, s, op, body); // warm-up (and the objects to get)
        for (
          let round = 0;
          round < ROUNDS &&
          (round < 3 || Date.now() - started < TIME_BUDGET_MS);
          round++
        ) {
          for (let i = 0; i < subjects.length; i++) {
            const at = (i + round) % subjects.length;
            samples[at]!.push(await sample(c, subjects[at]!, op, body));
          }
        }
        const [raw, ours] = samples.map(median) as [number, number];
        rows.push(
          `| ${op} | ${c.label} | ${ms(raw)} | ${ms(ours)} | ${(ours / raw).toFixed(2)}× | ${samples[0]!.length} |`,
        );
      }
    }
  } finally {
    await store.close?.();
    await dropBucket(client, bucket);
    client.destroy();
  }
  return [
    `Milliseconds per operation (median), store vs raw SDK on the same local Swift s3api, Node ${process.version}; target ≤ 1.05×.`,
    "",
    "| op | size | raw SDK ms | store ms | store / raw | rounds |",
    "|---|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  console.log(await run());
}
