/**
 * `cloud-platform fsck` over a large write bucket and `cloud-platform gc` of many orphans, on
 * the local Swift through the S3 API (exoscale) and the Swift API (ovh): objects checked per
 * second, requests sent (from the proxy log: fsck should send one list page per thousand
 * objects, never a HEAD per object; gc bulk deletes), and the CLI's peak RSS. Targets (#20):
 * fsck ≥ 5,000 objects/s with requests ≈ objects/1000 and peak RSS < 150 MB; gc of 10,000
 * orphans ≥ 1,000 objects/s with bulk deletes.
 *
 * Set-up per API: a SQLite index with `install <kind> --no-migrate` (RUNNING_ENV=integration),
 * BENCH_FSCK_OBJECTS objects written into the bucket with Swift's bulk `extract-archive` (a
 * tar per 10,000) and one index row each, plus BENCH_GC_ORPHANS objects no row references.
 *
 * The reference row `raw bulk delete` is the server's own bound: as many fresh orphans, written
 * the same way, deleted with no index and no listing, by the bulk requests alone (S3
 * DeleteObjects of 250 keys, 4 in flight, as gc sends them, through the AWS SDK: one request
 * of 1,000 keys was slower on the local s3api, which deletes them one by one; Swift one
 * `?bulk-delete` POST of up to 10,000 names, the local proxy's limit). gc ÷ raw says what gc
 * adds.
 *
 * Env: BENCH_FSCK_OBJECTS (100000), BENCH_GC_ORPHANS (10000), BENCH_FSCK_APIS (`s3,swift`).
 * At full size each API takes about 20 minutes, most of it writing the objects.
 *
 * Run: `node --import tsx bench/fsck.bench.ts` (after the build, with the services running).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { openIndex } from "@cloud-platform/storage-sql";
// The store's own Content-MD5 step (the local s3api refuses DeleteObjects without it).
import {
  contentMd5Middleware,
  contentMd5MiddlewareOptions,
} from "../packages/storage-s3/src/content-md5.js";
import { runMeasured } from "./lib/measured-run.js";
import type { SeededState } from "./lib/seed.js";
import {
  envNumber,
  fixed,
  markdownTable,
  progressLogger,
} from "./lib/stats.js";
import {
  authenticate,
  bulkDelete,
  countRequests,
  deleteContainers,
  proxyLogOffset,
} from "./lib/swift-server.js";
import {
  endpoints,
  installPlatform,
  localS3Client,
  platformEnv,
  type Api,
} from "./lib/tools.js";

const log = progressLogger("fsck");
const OBJECTS = envNumber("BENCH_FSCK_OBJECTS", 100_000);
const ORPHANS = envNumber("BENCH_GC_ORPHANS", 10_000);
const PER_TAR = 10_000;
/** BENCH_FSCK_APIS: `s3,swift` (default), or one of them. */
const APIS = (process.env["BENCH_FSCK_APIS"] ?? "s3,swift")
  .split(",")
  .filter((api): api is Api => api === "s3" || api === "swift");
const BODY_SIZE = 100;
const ROOT = join(import.meta.dirname, "..");
const CLI_BUILT = join(ROOT, "packages", "platform", "dist", "cli.js");
const prefix = `bench-fsck-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;

/** One ustar header block for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => {
    block.write(value, offset, length, "ascii");
  };
  field(0, 100, name);
  field(100, 8, "0000644\0");
  field(108, 8, "0000000\0");
  field(116, 8, "0000000\0");
  field(124, 12, `${size.toString(8).padStart(11, "0")}\0`);
  field(
    136,
    12,
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, "0")}\0`,
  );
  field(148, 8, "        ");
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of block) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** A tar of `names`, each holding BODY_SIZE bytes. */
function tarOf(names: readonly string[]): Buffer {
  const body = Buffer.alloc(512);
  randomBytes(BODY_SIZE).copy(body);
  const parts: Buffer[] = [];
  for (const name of names) parts.push(tarHeader(name, BODY_SIZE), body);
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** Writes the objects with bulk extract-archive, a tar per PER_TAR names. */
async function writeObjects(
  container: string,
  names: readonly string[],
): Promise<void> {
  const { url, token } = await authenticate(endpoints.swift);
  for (let i = 0; i < names.length; i += PER_TAR) {
    const response = await fetch(
      `${url}/${encodeURIComponent(container)}?extract-archive=tar`,
      {
        method: "PUT",
        headers: { "X-Auth-Token": token, Accept: "application/json" },
        body: tarOf(names.slice(i, i + PER_TAR)),
      },
    );
    const result = (await response.json()) as {
      "Number Files Created"?: number;
      Errors?: unknown[];
    };
    const created = result["Number Files Created"] ?? 0;
    if (created !== Math.min(PER_TAR, names.length - i))
      throw new Error(
        `extract-archive created ${created}: ${JSON.stringify(result).slice(0, 300)}`,
      );
  }
}

/** An object key like the ones unique uploads get. */
function uniqueKey(): string {
  const id = randomUUID();
  return `u/${id.slice(0, 2)}/${id}`;
}

/** Deletes `keys` by bulk requests alone (the server's bound for gc); returns the seconds. */
async function rawDelete(
  api: Api,
  container: string,
  keys: readonly string[],
): Promise<number> {
  const started = performance.now();
  if (api === "s3") {
    const client = localS3Client();
    client.middlewareStack.add(
      contentMd5Middleware,
      contentMd5MiddlewareOptions,
    );
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += 250)
      batches.push(keys.slice(i, i + 250));
    const worker = async (): Promise<void> => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const answer = await client.send(
          new DeleteObjectsCommand({
            Bucket: container,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        if ((answer.Errors?.length ?? 0) > 0)
          throw new Error(`DeleteObjects: ${JSON.stringify(answer.Errors)}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    client.destroy();
  } else {
    const { url, token } = await authenticate(endpoints.swift);
    for (let i = 0; i < keys.length; i += 10_000) {
      const names = keys.slice(i, i + 10_000);
      const deleted = await bulkDelete(url, token, container, names);
      if (deleted !== names.length)
        throw new Error(`bulk-delete deleted ${deleted} of ${names.length}`);
    }
  }
  return (performance.now() - started) / 1000;
}

interface Row {
  api: Api;
  op: string;
  objects: number;
  seconds: number;
  requests: Record<string, number> | undefined;
  peakRssMb: number;
}

/** The built CLI when present (what `npm run bench` builds), else the sources through tsx. */
function cliArgs(args: string[]): string[] {
  if (existsSync(CLI_BUILT)) return [CLI_BUILT, ...args];
  return [
    "--conditions=@cloud-platform/source",
    "--import",
    "tsx",
    join(ROOT, "packages", "platform", "src", "cli.ts"),
    ...args,
  ];
}

async function runOne(api: Api, work: string): Promise<Row[]> {
  const container = `${prefix}-${api}`;
  const dir = join(work, container);
  const state: SeededState = {
    dir,
    databaseUrl: join(dir, "index.sqlite"),
    filestorePath: join(dir, "filestore"),
    files: 0,
    bytes: 0,
  };
  await installPlatform(state, api, container);
  const scheme = api === "s3" ? "s3" : "swift";
  const referenced = Array.from({ length: OBJECTS }, uniqueKey).sort();
  const orphans = Array.from({ length: ORPHANS }, uniqueKey);
  log(`${api}: writing ${OBJECTS + ORPHANS} objects`);
  await writeObjects(container, [...referenced, ...orphans]);
  log(`${api}: indexing ${OBJECTS} rows`);
  const index = await openIndex(state.databaseUrl);
  try {
    const checksum = "0".repeat(64);
    for (const key of referenced)
      await index.insert({
        id: randomUUID(),
        name: "f.bin",
        mimetype: "application/octet-stream",
        size: BODY_SIZE,
        checksum,
        ref: `${scheme}://${container}/${key}`,
      });
  } finally {
    await index.close();
  }
  const env = platformEnv(state, api, container);
  const rows: Row[] = [];
  for (const [op, args] of [
    ["fsck", ["fsck", "--json"]],
    ["gc --older-than 0s", ["gc", "--older-than", "0s", "--json"]],
  ] as const) {
    const offset = await proxyLogOffset();
    const run = await runMeasured(process.execPath, cliArgs([...args]), {
      env,
      cwd: ROOT,
      timeoutMs: 1_200_000,
    });
    const summary = run.stdout
      .trim()
      .split("\n")
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((l) => l["type"] === "summary")
      .at(-1);
    if (op === "fsck" && run.code !== 0)
      throw new Error(`fsck exited ${run.code}: ${run.stderr.slice(-500)}`);
    if (op !== "fsck" && summary?.["deleted"] !== ORPHANS)
      throw new Error(
        `gc: ${JSON.stringify(summary)} ${run.stderr.slice(-500)}`,
      );
    const objects = op === "fsck" ? OBJECTS + ORPHANS : ORPHANS;
    rows.push({
      api,
      op,
      objects,
      seconds: run.wallMs / 1000,
      requests: await countRequests(offset, container),
      peakRssMb: run.peakRssMb,
    });
    log(
      `${api} ${op}: ${fixed(run.wallMs / 1000, 1)} s, RSS ${fixed(run.peakRssMb)} MB`,
    );
  }
  const fresh = Array.from({ length: ORPHANS }, uniqueKey);
  await writeObjects(container, fresh);
  const offset = await proxyLogOffset();
  const seconds = await rawDelete(api, container, fresh);
  rows.push({
    api,
    op: "raw bulk delete",
    objects: ORPHANS,
    seconds,
    requests: await countRequests(offset, container),
    peakRssMb: Number.NaN,
  });
  log(`${api} raw bulk delete: ${fixed(seconds, 1)} s`);
  return rows;
}

export async function run(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "cp-bench-fsck-"));
  const rows: Row[] = [];
  try {
    for (const api of APIS) rows.push(...(await runOne(api, work)));
  } finally {
    await deleteContainers(endpoints.swift, prefix).catch((error: unknown) =>
      log(`clean-up failed: ${String(error)}`),
    );
    await rm(work, { recursive: true, force: true });
  }
  return [
    `\`cloud-platform fsck\` over ${OBJECTS.toLocaleString("en-US")} referenced objects plus ${ORPHANS.toLocaleString("en-US")} orphans, then \`gc --older-than 0s\` of the orphans, in the CLI's own process (wall time from spawn to exit, start-up included; peak RSS from \`/usr/bin/time\`); requests from the Swift proxy log, by method; 1 run each.`,
    "",
    markdownTable(
      [
        "API",
        "command",
        "objects",
        "seconds",
        "objects/s",
        "requests (by method)",
        "objects per request",
        "peak RSS (MB)",
      ],
      rows.map((r) => {
        const total = r.requests
          ? Object.values(r.requests).reduce((a, b) => a + b, 0)
          : Number.NaN;
        return [
          r.api === "s3" ? "S3 (exoscale)" : "Swift (ovh)",
          r.op === "raw bulk delete" ? r.op : `\`${r.op}\``,
          r.objects.toLocaleString("en-US"),
          fixed(r.seconds, 1),
          `**${fixed(r.objects / r.seconds)}**`,
          r.requests
            ? Object.entries(r.requests)
                .map(([m, n]) => `${m} ${n}`)
                .join(", ")
            : "n/a",
          fixed(r.objects / total),
          Number.isNaN(r.peakRssMb) ? "n/a" : fixed(r.peakRssMb),
        ];
      }),
    ),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${await run()}\n`);
}
