/**
 * A 1 GiB upload straight to the bucket (`POST /attachments/uploads`, a PUT on the signed URL,
 * `POST /attachments/uploads/:id/complete`) against the same upload through the app (`POST
 * /attachments`, raw body), on S3 and on Swift of the local Swift: the app's CPU seconds
 * (from /proc, user + system) and RSS growth for each, side by side in one run (target:
 * direct < 5 % of the through-the-app CPU). `complete` reads the object back to check its
 * SHA-256 (neither API of the local Swift verifies one at upload time), so its CPU is shown
 * apart from the upload's.
 *
 * Set-up per store: a fresh SQLite index, `cloud-platform install <kind> --no-migrate` with
 * RUNNING_ENV=integration, the example app in its own process with Redis sessions. Each round
 * runs both paths, in alternating order; the table gives medians.
 *
 * Env: BENCH_UPLOAD_MIB (1024), BENCH_DIRECT_ROUNDS (2). Run: `node --import tsx
 * bench/direct-upload.bench.ts` (after the build, with the services running).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import {
  freePort,
  startHttpChild,
  type ChildServer,
} from "./lib/child-server.js";
import { processCpuSeconds } from "./lib/proc.js";
import type { SeededState } from "./lib/seed.js";
import {
  envNumber,
  fixed,
  markdownTable,
  median,
  progressLogger,
} from "./lib/stats.js";
import { deleteContainers } from "./lib/swift-server.js";
import {
  endpoints,
  installPlatform,
  platformEnv,
  type Api,
} from "./lib/tools.js";
import { generatedBody, login, peakDuring } from "./upload-1gib.bench.js";

const log = progressLogger("direct-upload");
const MIB = 1024 * 1024;
const SIZE = envNumber("BENCH_UPLOAD_MIB", 1024) * MIB;
const ROUNDS = envNumber("BENCH_DIRECT_ROUNDS", 2);
const ROOT = join(import.meta.dirname, "..");
const APP = join(ROOT, "apps", "example", "dist", "main.js");
const prefix = `bench-direct-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;

/** Streams `body` to `url` with a known length; resolves with the status and text. */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Readable,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: { ...headers, "Content-Length": String(SIZE) },
    });
    req.once("error", reject);
    req.once("response", (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    pipeline(body, req).catch(reject);
  });
}

async function post(
  app: ChildServer,
  cookie: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${app.url}${path}`, {
    method: "POST",
    headers: {
      Cookie: cookie,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
  };
}

interface Sample {
  /** App CPU seconds while the bytes travelled. */
  uploadCpu: number;
  /** App CPU seconds of `complete` (the read-back); 0 through the app. */
  completeCpu: number;
  growthMb: number;
  seconds: number;
}

/** One upload through the app; the record's checksum must be the sent bytes'. */
async function throughTheApp(
  app: ChildServer,
  cookie: string,
): Promise<Sample> {
  const hash = createHash("sha256");
  const cpu = await processCpuSeconds(app.pid);
  const baseline = await app.rssMb();
  const started = performance.now();
  const { value: answer, peakMb } = await peakDuring(
    app,
    send(
      `${app.url}/attachments`,
      "POST",
      {
        Cookie: cookie,
        "Content-Type": "application/octet-stream",
        "X-Filename": "bench-direct.bin",
      },
      generatedBody(SIZE, hash),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const uploadCpu = (await processCpuSeconds(app.pid)) - cpu;
  if (answer.status !== 201)
    throw new Error(`upload answered ${answer.status}: ${answer.text}`);
  const record = JSON.parse(answer.text) as { id: string; checksum: string };
  if (record.checksum !== hash.digest("hex"))
    throw new Error("the recorded checksum is not the sent bytes'");
  await remove(app, cookie, record.id);
  return { uploadCpu, completeCpu: 0, growthMb: peakMb - baseline, seconds };
}

/** One direct upload: offer, PUT to the store, complete (read back and recorded). */
async function direct(app: ChildServer, cookie: string): Promise<Sample> {
  const hash = createHash("sha256");
  const baseline = await app.rssMb();
  const started = performance.now();
  const cpu = await processCpuSeconds(app.pid);
  const offer = await post(app, cookie, "/attachments/uploads", {
    name: "bench-direct.bin",
    mimetype: "application/octet-stream",
    size: SIZE,
  });
  if (offer.status !== 201 || offer.json["direct"] !== true)
    throw new Error(`no direct offer: ${JSON.stringify(offer.json)}`);
  const { id, url, method, headers } = offer.json as {
    id: string;
    url: string;
    method: string;
    headers: Record<string, string>;
  };
  const { value: put, peakMb: putPeak } = await peakDuring(
    app,
    send(url, method, headers, generatedBody(SIZE, hash)),
  );
  if (put.status >= 300)
    throw new Error(`the store answered ${put.status}: ${put.text}`);
  const afterPut = await processCpuSeconds(app.pid);
  const { value: done, peakMb: completePeak } = await peakDuring(
    app,
    post(app, cookie, `/attachments/uploads/${id}/complete`),
  );
  const seconds = (performance.now() - started) / 1000;
  const completeCpu = (await processCpuSeconds(app.pid)) - afterPut;
  if (done.status !== 201) throw new Error(`complete answered ${done.status}`);
  if (done.json["checksum"] !== hash.digest("hex"))
    throw new Error("the recorded checksum is not the sent bytes'");
  await remove(app, cookie, id);
  return {
    uploadCpu: afterPut - cpu,
    completeCpu,
    growthMb: Math.max(putPeak, completePeak) - baseline,
    seconds,
  };
}

async function remove(
  app: ChildServer,
  cookie: string,
  id: string,
): Promise<void> {
  await (
    await fetch(`${app.url}/attachments/${id}`, {
      method: "DELETE",
      headers: { Cookie: cookie },
    })
  ).arrayBuffer();
}

async function runStore(
  api: Api,
  work: string,
): Promise<{ app: Sample[]; direct: Sample[] }> {
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
  const port = await freePort();
  const args = existsSync(APP)
    ? [APP]
    : [
        "--conditions=@cloud-platform/source",
        "--import",
        "tsx",
        join(ROOT, "apps", "example", "src", "main.ts"),
      ];
  const app = await startHttpChild(
    args,
    {
      ...platformEnv(state, api, container),
      PORT: String(port),
      SESSION_SECRET: randomBytes(24).toString("hex"),
      ODOO_LOGGING_JSON: "1",
    },
    port,
    "/monitoring/status",
  );
  const samples = { app: [] as Sample[], direct: [] as Sample[] };
  let cookie: string | undefined;
  try {
    cookie = await login(app);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order =
        round % 2 === 0
          ? (["app", "direct"] as const)
          : (["direct", "app"] as const);
      for (const path of order) {
        const sample =
          path === "app"
            ? await throughTheApp(app, cookie)
            : await direct(app, cookie);
        samples[path].push(sample);
        log(
          `${api} round ${round + 1} ${path}: app CPU ${fixed(sample.uploadCpu, 2)} s + ${fixed(sample.completeCpu, 2)} s, RSS +${fixed(sample.growthMb)} MB, ${fixed(sample.seconds, 1)} s`,
        );
      }
    }
  } finally {
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
  return samples;
}

export async function run(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "cp-bench-direct-"));
  const rows: string[][] = [];
  try {
    for (const api of ["s3", "swift"] as const) {
      const { app, direct: straight } = await runStore(api, work);
      const appCpu = median(app.map((s) => s.uploadCpu));
      const label = api === "s3" ? "S3 API (exoscale)" : "Swift API (ovh)";
      for (const [path, samples] of [
        ["through the app", app],
        ["direct (signed PUT + complete)", straight],
      ] as const) {
        const upload = median(samples.map((s) => s.uploadCpu));
        const complete = median(samples.map((s) => s.completeCpu));
        rows.push([
          label,
          path,
          fixed(upload, 2),
          fixed(complete, 2),
          `**${fixed((100 * upload) / appCpu, 1)} %**`,
          `**${fixed((100 * (upload + complete)) / appCpu, 1)} %**`,
          fixed(median(samples.map((s) => s.growthMb))),
          fixed(median(samples.map((s) => SIZE / 1e6 / s.seconds))),
        ]);
      }
    }
  } finally {
    await deleteContainers(endpoints.swift, prefix).catch((error: unknown) =>
      log(`clean-up failed: ${String(error)}`),
    );
    await rm(work, { recursive: true, force: true });
  }
  return [
    `${SIZE / MIB} MiB upload through the example app (its own process, RUNNING_ENV=integration, Redis sessions) against the same upload straight to the store on a signed URL, median of ${ROUNDS} rounds (paths alternating); app CPU from /proc (user + system), RSS polled every 25 ms (MB = 10^6 bytes). "complete" is the verification: the local Swift verifies no SHA-256 at upload time on either API, so the app reads the object back and hashes it.`,
    "",
    markdownTable(
      [
        "store",
        "path",
        "app CPU s, bytes in flight",
        "app CPU s, complete",
        "CPU vs through the app (upload)",
        "CPU vs through the app (with complete)",
        "app RSS growth (MB)",
        "MB/s end to end",
      ],
      rows,
    ),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${await run()}\n`);
}
