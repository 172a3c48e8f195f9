/**
 * Requests/s of a hello route behind the platform's full middleware (createPlatform: request
 * ids and JSON access log, statsd to a local UDP port, Prometheus, Redis sessions) against
 * the same route on bare Express, same run (targets: anonymous ≥ 0.75×, logged-in ≥ 0.55×,
 * as ratios of paired rounds). Two platform cases: an anonymous request (no session cookie:
 * no session is created unless the route reads one, nothing is stored), and a logged-in
 * one (its cookie read from Redis on every request; the lazy touch refreshes its TTL only
 * once a tenth of it has passed).
 *
 * Each server runs in a child process of its own, its stdout (where the platform writes its
 * JSON log lines) sent to /dev/null; the load comes from autocannon in another process
 * (`--json`, bounded duration). Rounds rotate the order; the table gives medians, with the
 * server's CPU time per request (steadier than requests/s on a busy machine).
 *
 * Env: BENCH_ROUNDS (5), BENCH_DURATION_S (5), BENCH_MIDDLEWARE_BREAKDOWN=1 (adds a table
 * of the middleware pieces added one at a time, to see where the cost goes),
 * BENCH_BASELINE_DIR (another built checkout, e.g. of main: its platform server joins the
 * same rounds, so before and after are paired too). `bare Express + pino-http` is the
 * reference for what a request id and a JSON access line cost elsewhere; the reference stack
 * (pino-http + express-session + connect-redis on node-redis) for what the usual parts cost
 * together, without metrics.
 *
 * Run: `node --import tsx bench/platform-middleware.bench.ts` (after the build; Redis running).
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { runLoad, type LoadResult } from "./lib/autocannon.js";
import {
  announceReady,
  startChildServer,
  type ChildServer,
} from "./lib/child-server.js";
import { processCpuSeconds } from "./lib/proc.js";
import {
  envNumber,
  fixed,
  markdownTable,
  median,
  progressLogger,
} from "./lib/stats.js";

const log = progressLogger("platform-middleware");
const ROUNDS = envNumber("BENCH_ROUNDS", 5);
const DURATION_S = envNumber("BENCH_DURATION_S", 5);
const CONNECTIONS = 10;
const REDIS_HOST = process.env["CP_BENCH_REDIS_HOST"] ?? "127.0.0.1";

/** `bare`, `platform` (the full middleware), or `layer:N` (the first N pieces of it, for the breakdown). */
type Kind = string;

/** The platform's pieces in the order `platform.middleware()` installs them (breakdown only). */
const LAYERS = [
  "request context (request id)",
  "+ JSON access log",
  "+ statsd",
  "+ Prometheus",
  "+ sessions (= full middleware)",
];

/** The child: serves GET /hello (and POST /login on the platform) until SIGTERM. */
async function serve(kind: Kind): Promise<void> {
  const { default: express } = await import("express");
  const app = express();
  app.disable("x-powered-by");
  let close: () => Promise<void> = async () => undefined;
  if (kind === "pino-http") {
    // The reference for the access log's cost: pino-http's defaults (request id, one JSON
    // line per request with its req/res serializers) to stdout, like the platform's lines.
    const { pinoHttp } = await import("pino-http");
    app.use(pinoHttp());
    app.get("/hello", (_req, res) => res.send("hello"));
  } else if (kind === "field") {
    // What a team composes from the field's usual parts, without metrics: pino-http, then
    // express-session with connect-redis on node-redis, with the settings their READMEs
    // recommend (no save of an unmodified or uninitialised session). A floor for the
    // platform's logged-in case, which adds statsd and Prometheus to the same work.
    const { pinoHttp } = await import("pino-http");
    const { default: session } = await import("express-session");
    const { RedisStore } = await import("connect-redis");
    const { createClient } = await import("redis");
    const client = createClient({ url: `redis://${REDIS_HOST}:6379` });
    await client.connect();
    app.use(pinoHttp());
    app.use(
      session({
        store: new RedisStore({
          client,
          prefix: `${process.env["BENCH_REDIS_PREFIX"] ?? "bench-field"}:`,
        }),
        secret: randomBytes(24).toString("hex"),
        resave: false,
        saveUninitialized: false,
      }),
    );
    app.post("/login", (req, res) => {
      (req.session as unknown as { uid: string }).uid = "bench-user";
      res.json({ ok: true });
    });
    app.get("/hello", (_req, res) => res.send("hello"));
    close = async () => {
      await client.quit();
    };
  } else if (kind !== "bare") {
    const { createPlatform, loadPlatformConfig } =
      await import("@cloud-platform/platform");
    const platform = await createPlatform(
      loadPlatformConfig(process.env, {
        serviceName: "bench-middleware",
        appVersion: "1.0.0",
      }),
    );
    const layers = kind.startsWith("layer:")
      ? Number(kind.slice("layer:".length))
      : LAYERS.length;
    if (layers >= LAYERS.length) platform.middleware(app);
    else {
      const { accessLogMiddleware, requestContextMiddleware } =
        await import("@cloud-platform/logging-json");
      const { statsdMiddleware } =
        await import("@cloud-platform/metrics-statsd");
      const pieces = [
        requestContextMiddleware(),
        accessLogMiddleware(platform.logger),
        statsdMiddleware(platform.statsd!),
        platform.metrics!.middleware(),
      ];
      for (const piece of pieces.slice(0, layers)) app.use(piece);
    }
    app.post("/login", (req, res) => {
      (req.session as unknown as { uid: string }).uid = "bench-user";
      res.json({ ok: true });
    });
    app.get("/hello", (_req, res) => res.send("hello"));
    app.use(platform.errorHandler());
    close = () => platform.close();
  } else {
    app.get("/hello", (_req, res) => res.send("hello"));
  }
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    announceReady(
      typeof address === "object" && address ? address.port : 0,
      async () => {
        server.closeAllConnections();
        server.close();
        await close();
      },
    );
  });
}

/** The platform's environment: JSON logs, statsd, Prometheus, Redis sessions, a SQLite index. */
/** The platform server's environment (also used by profile-middleware.ts). */
export function platformEnv(
  dir: string,
  statsdPort: number,
  redisPrefix: string,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"],
    RUNNING_ENV: "dev",
    DATABASE_URL: join(dir, "index.sqlite"),
    FILESTORE_PATH: join(dir, "filestore"),
    SESSION_SECRET: randomBytes(24).toString("hex"),
    ODOO_LOGGING_JSON: "1",
    ODOO_STATSD: "1",
    STATSD_CUSTOMER: "bench",
    STATSD_HOST: "127.0.0.1",
    STATSD_PORT: String(statsdPort),
    ODOO_PROMETHEUS: "1",
    ODOO_SESSION_REDIS: "1",
    ODOO_SESSION_REDIS_HOST: REDIS_HOST,
    ODOO_SESSION_REDIS_PREFIX: redisPrefix,
  };
}

interface Case {
  name: string;
  server: ChildServer;
  headers?: Record<string, string>;
}

interface Sample extends LoadResult {
  cpuUsPerRequest: number;
}

async function measure(c: Case): Promise<Sample> {
  const cpu = await processCpuSeconds(c.server.pid);
  const result = await runLoad(`${c.server.url}/hello`, {
    connections: CONNECTIONS,
    durationSeconds: DURATION_S,
    ...(c.headers ? { headers: c.headers } : {}),
  });
  const used = (await processCpuSeconds(c.server.pid)) - cpu;
  if (result.bad > 0)
    throw new Error(`${c.name}: ${result.bad} failed requests`);
  return { ...result, cpuUsPerRequest: (used * 1e6) / result.requests };
}

async function login(server: ChildServer): Promise<string> {
  const response = await fetch(`${server.url}/login`, { method: "POST" });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!response.ok || cookie === undefined)
    throw new Error(`login failed: ${response.status}`);
  return cookie;
}

async function compare(cases: Case[]): Promise<Map<string, Sample[]>> {
  for (const c of cases)
    await runLoad(`${c.server.url}/hello`, {
      connections: CONNECTIONS,
      durationSeconds: 2,
      ...(c.headers ? { headers: c.headers } : {}),
    });
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]!;
      const sample = await measure(c);
      samples.get(c.name)!.push(sample);
      log(`round ${round + 1}/${ROUNDS} ${c.name}: ${fixed(sample.rps)} req/s`);
    }
  }
  return samples;
}

/** `+12` / `-3`: a difference. */
function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${fixed(value)}`;
}

/**
 * Where the platform's cost goes: the middleware pieces added one at a time (anonymous
 * requests), each server in its own process, against bare Express.
 */
async function breakdown(
  self: string,
  bare: ChildServer,
  env: NodeJS.ProcessEnv,
  servers: ChildServer[],
): Promise<string> {
  const cases: Case[] = [{ name: "bare", server: bare }];
  for (let n = 1; n <= LAYERS.length; n++) {
    const server = await startChildServer(
      ["--import", "tsx", self, "--serve", `layer:${n}`],
      env,
    );
    servers.push(server);
    cases.push({ name: `layer:${n}`, server });
  }
  const samples = await compare(cases);
  const rps = (name: string): number =>
    median(samples.get(name)!.map((s) => s.rps));
  const cpu = (name: string): number =>
    median(samples.get(name)!.map((s) => s.cpuUsPerRequest));
  const rows = cases.map((c, i) => [
    i === 0 ? "bare Express" : LAYERS[i - 1]!,
    fixed(rps(c.name)),
    fixed(cpu(c.name)),
    i === 0 ? "" : signed(cpu(c.name) - cpu(cases[i - 1]!.name)),
    fixed(rps(c.name) / rps("bare"), 2),
  ]);
  return [
    "#### Breakdown: the middleware pieces added one at a time (anonymous requests)",
    "",
    markdownTable(
      [
        "server",
        "req/s",
        "server CPU µs/req",
        "added µs/req",
        "÷ bare Express",
      ],
      rows,
    ),
  ].join("\n");
}

const LABELS: Record<string, string> = {
  bare: "bare Express",
  "pino-http":
    "bare Express + pino-http (reference: request id and JSON access line)",
  "field-anonymous":
    "reference stack (pino-http + express-session + connect-redis 9 on node-redis, no metrics), no session cookie",
  "field-session":
    "reference stack, logged-in Redis session, read-only route (GET, then EXPIRE at the end)",
  "anonymous-baseline":
    "baseline build: platform middleware, no session cookie",
  "session-baseline":
    "baseline build: platform middleware, logged-in Redis session, read-only route",
  anonymous: "platform middleware, no session cookie",
  session:
    "platform middleware, logged-in Redis session, read-only route (one EVALSHA per request)",
};

/** Median over rounds of `name`'s value ÷ bare Express's in the same round. */
function paired(
  samples: Map<string, Sample[]>,
  name: string,
  value: (s: Sample) => number,
  reference = "bare",
): number {
  const bare = samples.get(reference)!;
  return median(
    samples.get(name)!.map((s, round) => value(s) / value(bare[round]!)),
  );
}

/** The platform's two cases ÷ two reference cases, paired: req/s and CPU per request. */
function against(
  samples: Map<string, Sample[]>,
  anonymous: string,
  session: string,
): string {
  const both = (name: string, reference: string): string =>
    `${fixed(
      paired(samples, name, (s) => s.rps, reference),
      2,
    )}× req/s, ${fixed(
      1 / paired(samples, name, (s) => s.cpuUsPerRequest, reference),
      2,
    )}× by CPU/request`;
  return `anonymous ${both("anonymous", anonymous)}; logged-in ${both("session", session)}`;
}

/** The comparison's table and its ratio lines. */
function mainTable(cases: Case[], samples: Map<string, Sample[]>): string {
  const rows = cases.map((c) => [
    LABELS[c.name]!,
    fixed(median(samples.get(c.name)!.map((s) => s.rps))),
    fixed(median(samples.get(c.name)!.map((s) => s.p99)), 1),
    fixed(median(samples.get(c.name)!.map((s) => s.cpuUsPerRequest))),
    fixed(
      paired(samples, c.name, (s) => s.rps),
      2,
    ),
    fixed(1 / paired(samples, c.name, (s) => s.cpuUsPerRequest), 2),
  ]);
  return [
    markdownTable(
      [
        "server",
        "req/s (median)",
        "p99 (ms)",
        "server CPU µs/req",
        "req/s ÷ bare Express (paired rounds)",
        "bare CPU/req ÷ this (paired rounds)",
      ],
      rows,
    ),
    "",
    `Platform ÷ bare Express, median of the per-round ratios: anonymous **${fixed(
      paired(samples, "anonymous", (s) => s.rps),
      2,
    )}×** req/s (target ≥ 0.75×), logged-in read-only **${fixed(
      paired(samples, "session", (s) => s.rps),
      2,
    )}×** (target ≥ 0.55×).`,
    "",
    `Platform ÷ the reference stack (which has no metrics), paired rounds: ${against(
      samples,
      "field-anonymous",
      "field-session",
    )}.`,
    ...(samples.has("anonymous-baseline")
      ? [
          "",
          `This build ÷ the baseline build, paired rounds: ${against(
            samples,
            "anonymous-baseline",
            "session-baseline",
          )}.`,
        ]
      : []),
  ].join("\n");
}

/** Runs the comparison and returns its markdown. */
export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cp-bench-middleware-"));
  const statsd = createSocket("udp4");
  let packets = 0;
  statsd.on("message", () => (packets += 1));
  await new Promise<void>((resolve) => statsd.bind(0, "127.0.0.1", resolve));
  const redisPrefix = `bench-mw-${randomBytes(4).toString("hex")}`;
  const self = fileURLToPath(import.meta.url);
  const servers: ChildServer[] = [];
  const redis = new Redis({ host: REDIS_HOST, lazyConnect: true });
  try {
    await redis.connect();
    const bare = await startChildServer(
      ["--import", "tsx", self, "--serve", "bare"],
      { PATH: process.env["PATH"] },
    );
    servers.push(bare);
    const platform = await startChildServer(
      ["--import", "tsx", self, "--serve", "platform"],
      platformEnv(dir, statsd.address().port, redisPrefix),
    );
    servers.push(platform);
    const cookie = await login(platform);
    const pino = await startChildServer(
      ["--import", "tsx", self, "--serve", "pino-http"],
      { PATH: process.env["PATH"] },
    );
    servers.push(pino);
    const field = await startChildServer(
      ["--import", "tsx", self, "--serve", "field"],
      { PATH: process.env["PATH"], BENCH_REDIS_PREFIX: redisPrefix },
    );
    servers.push(field);
    const fieldCookie = await login(field);
    const cases: Case[] = [
      { name: "bare", server: bare },
      { name: "pino-http", server: pino },
      { name: "field-anonymous", server: field },
      {
        name: "field-session",
        server: field,
        headers: { Cookie: fieldCookie },
      },
      { name: "anonymous", server: platform },
      { name: "session", server: platform, headers: { Cookie: cookie } },
    ];
    // Another checkout's build (BENCH_BASELINE_DIR, e.g. main), measured in the same rounds.
    const baselineDir = process.env["BENCH_BASELINE_DIR"];
    if (baselineDir !== undefined && baselineDir !== "") {
      const baseline = await startChildServer(
        [
          "--import",
          "tsx",
          join(baselineDir, "bench", "platform-middleware.bench.ts"),
          "--serve",
          "platform",
        ],
        platformEnv(dir, statsd.address().port, redisPrefix),
      );
      servers.push(baseline);
      const baseCookie = await login(baseline);
      cases.push(
        { name: "anonymous-baseline", server: baseline },
        {
          name: "session-baseline",
          server: baseline,
          headers: { Cookie: baseCookie },
        },
      );
    }
    const samples = await compare(cases);
    const metrics = await (await fetch(`${platform.url}/metrics`)).text();
    const sessionKeys = (await redis.keys(`*${redisPrefix}*`)).length;
    const hello = /route="\/hello"/.test(metrics);
    const extra =
      process.env["BENCH_MIDDLEWARE_BREAKDOWN"] === "1"
        ? [
            "",
            await breakdown(
              self,
              bare,
              platformEnv(dir, statsd.address().port, redisPrefix),
              servers,
            ),
          ]
        : [];
    return [
      `GET /hello, autocannon ${CONNECTIONS} connections × ${DURATION_S} s, ${ROUNDS} rounds (medians); each server in its own process.`,
      `The platform: RUNNING_ENV=dev, JSON log lines to stdout (/dev/null), statsd over UDP to a local socket (${packets} packets received), Prometheus on (/hello ${hello ? "counted" : "NOT counted"} in /metrics), Redis sessions (${sessionKeys} session key${sessionKeys === 1 ? "" : "s"} left by the run: anonymous requests store none).`,
      "",
      mainTable(cases, samples),
      ...extra,
    ].join("\n");
  } finally {
    for (const server of servers) await server.stop();
    statsd.close();
    if (redis.status === "ready") {
      const keys = await redis.keys(`*${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

const serveIndex = process.argv.indexOf("--serve");
if (serveIndex > 0) {
  await serve(process.argv[serveIndex + 1] ?? "bare");
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${await run()}\n`);
}
