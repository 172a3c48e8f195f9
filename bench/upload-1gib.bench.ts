/**
 * A 1 GiB upload through the example app (apps/example, its own process, as `npm start`
 * runs it) to S3 and to Swift: the app's RSS growth during the upload (target < 150 MB),
 * upload and download MB/s, and a byte-for-byte check of the download (SHA-256 of what was
 * sent against SHA-256 of what came back). The body is generated on the fly and streamed
 * (raw body, Content-Length known); nothing is held whole in memory on either side.
 *
 * Set-up per store: a fresh SQLite index, `cloud-platform install <kind> --no-migrate` with
 * RUNNING_ENV=integration (new files go to the object store), then the app on a free port
 * with Redis sessions; demo login, upload, download, delete, and the bucket/container
 * removed afterwards.
 *
 * Env: BENCH_UPLOAD_MIB (1024). Run: `node --import tsx bench/upload-1gib.bench.ts` (after
 * the build, with the services of `scripts/services.sh` running).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import {
  freePort,
  startHttpChild,
  type ChildServer,
} from "./lib/child-server.js";
import type { SeededState } from "./lib/seed.js";
import {
  envNumber,
  fixed,
  markdownTable,
  progressLogger,
} from "./lib/stats.js";
import { createContainer, deleteContainers } from "./lib/swift-server.js";
import {
  endpoints,
  installPlatform,
  platformEnv,
  type Api,
} from "./lib/tools.js";

const log = progressLogger("upload-1gib");
const MIB = 1024 * 1024;
const SIZE = envNumber("BENCH_UPLOAD_MIB", 1024) * MIB;
const ROOT = join(import.meta.dirname, "..");
const APP = join(ROOT, "apps", "example", "dist", "main.js");
const prefix = `bench-up-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;

/** `size` bytes of pseudo-random data in 1 MiB chunks, hashed as they go out. */
export function generatedBody(
  size: number,
  hash: ReturnType<typeof createHash>,
): Readable {
  const block = randomBytes(MIB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(block.subarray(0, Math.min(MIB, size - sent)));
      chunk.writeDoubleLE(sent, 0);
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

export async function login(app: ChildServer): Promise<string> {
  const response = await fetch(`${app.url}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login: "bench" }),
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!response.ok || cookie === undefined)
    throw new Error(`login failed: ${response.status}`);
  return cookie;
}

/** Streams the body to POST /attachments (raw) and returns the created record's id. */
function upload(
  app: ChildServer,
  cookie: string,
  body: Readable,
): Promise<{ id: string; size: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${app.url}/attachments`, {
      method: "POST",
      headers: {
        Cookie: cookie,
        "Content-Type": "application/octet-stream",
        "Content-Length": String(SIZE),
        "X-Filename": "bench-1gib.bin",
      },
    });
    req.once("error", reject);
    req.once("response", (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c));
      res.once("end", () => {
        if (res.statusCode !== 201)
          reject(
            new Error(
              `upload answered ${res.statusCode}: ${text.slice(0, 500)}`,
            ),
          );
        else resolve(JSON.parse(text) as { id: string; size: number });
      });
    });
    pipeline(body, req).catch(reject);
  });
}

/** Downloads the attachment and returns the SHA-256 and length of what came back. */
async function download(
  app: ChildServer,
  cookie: string,
  id: string,
): Promise<{ sha256: string; size: number }> {
  const response = await fetch(`${app.url}/attachments/${id}`, {
    headers: { Cookie: cookie },
  });
  if (!response.ok || !response.body)
    throw new Error(`download answered ${response.status}`);
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

interface Result {
  api: Api;
  /** The `_segments` container was created by the benchmark before the app started. */
  workaround: boolean;
  /** Why the run failed, when it did (the other store still runs). */
  error?: string;
  baselineMb: number;
  growthMb: number;
  uploadMbps: number;
  downloadMbps: number;
  identical: boolean;
}

/** Polls the app's RSS while `work` runs; returns the highest value seen, in MB. */
export async function peakDuring<T>(
  app: ChildServer,
  work: Promise<T>,
): Promise<{ value: T; peakMb: number }> {
  let peak = await app.rssMb();
  const state = { done: false };
  const polling = (async () => {
    while (!state.done) {
      peak = Math.max(peak, await app.rssMb());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    return { value: await work, peakMb: peak };
  } finally {
    state.done = true;
    await polling;
  }
}

async function runOne(
  api: Api,
  work: string,
  workaround: boolean,
): Promise<Result> {
  const container = `${prefix}-${api}${workaround ? "-w" : ""}`;
  const dir = join(work, container);
  const state: SeededState = {
    dir,
    databaseUrl: join(dir, "index.sqlite"),
    filestorePath: join(dir, "filestore"),
    files: 0,
    bytes: 0,
  };
  await installPlatform(state, api, container);
  // `install ovh` creates the container but not `<container>_segments`, where the app's
  // store (which never creates containers) puts the segments of objects over 100 MiB.
  if (workaround)
    await createContainer(endpoints.swift, `${container}_segments`);
  const port = await freePort();
  const args = existsSync(APP)
    ? [APP]
    : [
        "--conditions=@cloud-platform/source",
        "--import",
        "tsx",
        join(ROOT, "apps", "example", "src", "main.ts"),
      ];
  const env = {
    ...platformEnv(state, api, container),
    PORT: String(port),
    SESSION_SECRET: randomBytes(24).toString("hex"),
    ODOO_LOGGING_JSON: "1",
  };
  const app = await startHttpChild(args, env, port, "/monitoring/status");
  let cookie: string | undefined;
  try {
    cookie = await login(app);
    const baselineMb = await app.rssMb();
    const sent = createHash("sha256");
    let started = performance.now();
    const { value: record, peakMb } = await peakDuring(
      app,
      upload(app, cookie, generatedBody(SIZE, sent)),
    );
    const uploadS = (performance.now() - started) / 1000;
    log(
      `${api}: uploaded in ${fixed(uploadS, 1)} s, peak RSS ${fixed(peakMb)} MB (baseline ${fixed(baselineMb)} MB)`,
    );
    started = performance.now();
    const back = await download(app, cookie, record.id);
    const downloadS = (performance.now() - started) / 1000;
    const identical = back.size === SIZE && back.sha256 === sent.digest("hex");
    await (
      await fetch(`${app.url}/attachments/${record.id}`, {
        method: "DELETE",
        headers: { Cookie: cookie },
      })
    ).arrayBuffer();
    return {
      api,
      workaround,
      baselineMb,
      growthMb: peakMb - baselineMb,
      uploadMbps: SIZE / 1e6 / uploadS,
      downloadMbps: SIZE / 1e6 / downloadS,
      identical,
    };
  } finally {
    // Logged out even after a failure: no session is left in the shared Redis.
    if (cookie !== undefined)
      await fetch(`${app.url}/logout`, {
        method: "POST",
        headers: { Cookie: cookie },
      }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
    await app.stop();
  }
}

/** Runs the upload to S3 and to Swift and returns the markdown. */
export async function run(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "cp-bench-upload-"));
  try {
    const results: Result[] = [];
    for (const [api, workaround] of [
      ["s3", false],
      ["swift", false],
      ["swift", true],
    ] as const) {
      // The work-around run only when the plain one failed.
      if (workaround && results.at(-1)?.error === undefined) continue;
      results.push(
        await runOne(api, work, workaround).catch((error: unknown): Result => {
          log(`${api}: ${String(error)}`);
          return {
            api,
            workaround,
            error: error instanceof Error ? error.message : String(error),
            baselineMb: Number.NaN,
            growthMb: Number.NaN,
            uploadMbps: Number.NaN,
            downloadMbps: Number.NaN,
            identical: false,
          };
        }),
      );
    }
    const rows = results.map((r) => [
      r.api === "s3"
        ? "S3 API (exoscale kind)"
        : `Swift API (ovh kind)${r.workaround ? ", `_segments` container created by the benchmark first" : ""}`,
      fixed(r.baselineMb),
      `**${fixed(r.growthMb)}**`,
      fixed(r.uploadMbps),
      fixed(r.downloadMbps),
      r.error === undefined
        ? r.identical
          ? "yes (SHA-256)"
          : "**NO**"
        : `**FAILED**: ${r.error.replaceAll("|", "\\|").slice(0, 300)}`,
    ]);
    const worst = Math.max(
      ...results.filter((r) => r.error === undefined).map((r) => r.growthMb),
    );
    return [
      `${SIZE / MIB} MiB raw upload (POST /attachments, streamed, generated on the fly) through the example app (\`apps/example/dist/main.js\`, its own process, RUNNING_ENV=integration, Redis sessions, JSON logs to /dev/null); RSS of the app's process polled every 25 ms (MB = 10^6 bytes); 1 run each.`,
      "",
      markdownTable(
        [
          "store",
          "app RSS before (MB)",
          "RSS growth (MB)",
          "upload MB/s",
          "download MB/s",
          "download identical",
        ],
        rows,
      ),
      "",
      `Highest RSS growth: **${fixed(worst)} MB** (target < 150 MB)${results.some((r) => r.error !== undefined) ? "; a store FAILED, see the table" : ""}.`,
    ].join("\n");
  } finally {
    await deleteContainers(endpoints.swift, prefix).catch((error: unknown) =>
      log(`clean-up failed: ${String(error)}`),
    );
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${await run()}\n`);
}
