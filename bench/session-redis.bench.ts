/**
 * Requests/s and p99 latency of two Express routes (express-session, `resave: false`): one
 * that reads and updates a session (`/visit`: GET + SET per request for every store), and a
 * read-only one (`/read`: connect-redis sends GET + EXPIRE; ours, with its default lazy
 * touch, one EVALSHA). With `@cloud-platform/session-redis` on ioredis (as
 * `createRedisClient` builds it, and the same client without its auto-pipelining), the same
 * store on node-redis through `fromNodeRedis`, and connect-redis (latest, node-redis only) on
 * node-redis, all on the same Redis in the same run (targets on `/visit`: ≥ 1.0×
 * connect-redis on node-redis, ≥ 0.9× on ioredis; on `/read`: ≥ 1.3×). The apps
 * run in this process on loopback; the load comes from autocannon in a separate process
 * (`--json`), every connection sending the cookie of one session created beforehand. Each
 * round measures every variant once, in a rotating order; the table gives the medians.
 *
 * Run: `node --import tsx bench/session-redis.bench.ts` (after building the package).
 */
import { spawn } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import express from "express";
import session, { type Store } from "express-session";
import { RedisStore } from "connect-redis";
import { createClient } from "redis";
import {
  createRedisClient,
  fromNodeRedis,
  RedisSessionStore,
} from "@cloud-platform/session-redis";

declare module "express-session" {
  interface SessionData {
    views?: number;
  }
}

const ROUNDS = 8;
const DURATION_S = 2;
const CONNECTIONS = 10;
const AUTOCANNON = join(
  import.meta.dirname,
  "..",
  "node_modules",
  ".bin",
  "autocannon",
);
const REDIS_URL = process.env["CP_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

interface Result {
  rps: number;
  p99: number;
  /** CPU time of this process (the apps and the stores) per request, in µs. */
  cpuPerRequest: number;
}

/** Progress goes to stderr; stdout carries only the table. */
function progress(line: string): void {
  process.stderr.write(`session-redis bench: ${line}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Serves `GET /visit` (reads the session, increments a counter) and `GET /read`; returns a session cookie. */
async function serve(
  store: Store,
): Promise<{ server: Server; url: string; cookie: string }> {
  const app = express();
  app.set("etag", false);
  app.use(
    session({
      store,
      secret: "bench-secret",
      resave: false,
      saveUninitialized: false,
      name: "sid",
    }),
  );
  app.get("/visit", (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.send(`views ${req.session.views}`);
  });
  app.get("/read", (req, res) => {
    res.send(`views ${req.session.views ?? 0}`);
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/visit`;
  const first = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const cookie = first.headers.get("set-cookie")?.split(";")[0];
  if (cookie === undefined) throw new Error("the route set no session cookie");
  return { server, url, cookie };
}

/** One autocannon run in its own process. */
function autocannon(
  url: string,
  cookie: string,
  seconds = DURATION_S,
): Promise<Result> {
  const cpuBefore = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const args = [
      "-c",
      String(CONNECTIONS),
      "-d",
      String(seconds),
      "-H",
      `cookie=${cookie}`,
      "-j",
      url,
    ];
    const child = spawn(AUTOCANNON, args, {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout
      .setEncoding("utf8")
      .on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0)
        return reject(new Error(`autocannon exited with ${code}`));
      const cpu = process.cpuUsage(cpuBefore);
      const r = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p99: number };
        non2xx: number;
        errors: number;
      };
      if (r.non2xx > 0 || r.errors > 0)
        return reject(
          new Error(`autocannon saw ${r.non2xx} non-2xx, ${r.errors} errors`),
        );
      const cpuPerRequest =
        (cpu.user + cpu.system) / Math.max(1, r.requests.total);
      resolve({ rps: r.requests.average, p99: r.latency.p99, cpuPerRequest });
    });
  });
}

export async function run(): Promise<string> {
  const prefix = `bench-${Date.now().toString(36)}`;
  const ioredis = createRedisClient({ mode: "url", url: REDIS_URL });
  // The same client as it was before auto-pipelining (one socket write per command).
  const ioredisUnbatched = createRedisClient(
    { mode: "url", url: REDIS_URL },
    { redisOptions: { enableAutoPipelining: false } },
  );
  const nodeRedisA = createClient({ url: REDIS_URL });
  const nodeRedisB = createClient({ url: REDIS_URL });
  await Promise.all([nodeRedisA.connect(), nodeRedisB.connect()]);
  const ours = new RedisSessionStore({
    client: ioredis,
    prefix: `${prefix}-io`,
  });
  const oursUnbatched = new RedisSessionStore({
    client: ioredisUnbatched,
    prefix: `${prefix}-io1`,
  });
  const oursNode = new RedisSessionStore({
    client: fromNodeRedis(nodeRedisB),
    prefix: `${prefix}-node`,
  });
  const theirs = new RedisStore({
    client: nodeRedisA,
    prefix: `session:${prefix}-cr:`,
  });
  const variants: { name: string; store: Store }[] = [
    { name: "connect-redis 9 + node-redis", store: theirs },
    { name: "@cloud-platform/session-redis + ioredis", store: ours },
    {
      name: "@cloud-platform/session-redis + ioredis without auto-pipelining",
      store: oursUnbatched,
    },
    {
      name: "@cloud-platform/session-redis + node-redis (fromNodeRedis)",
      store: oursNode,
    },
  ];
  const servers = await Promise.all(variants.map((v) => serve(v.store)));
  const routes = ["/visit", "/read"] as const;
  // Every (route, store) pair; connect-redis first on each route: the ratios' reference.
  const cases = routes.flatMap((route) =>
    variants.map((v, i) => ({
      route,
      name: v.name,
      url: servers[i]!.url.replace(/\/visit$/, route),
      cookie: servers[i]!.cookie,
      reference: i === 0,
    })),
  );
  const samples = cases.map(() => [] as Result[]);
  try {
    for (const c of cases) await autocannon(c.url, c.cookie, 1);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let k = 0; k < cases.length; k += 1) {
        const i = (round + k) % cases.length;
        samples[i]!.push(await autocannon(cases[i]!.url, cases[i]!.cookie));
        progress(
          `round ${round + 1}/${ROUNDS} ${cases[i]!.route} ${cases[i]!.name}: ${Math.round(samples[i]!.at(-1)!.rps)} req/s`,
        );
      }
    }
  } finally {
    progress("cleaning up");
    for (const s of servers) {
      s.server.closeAllConnections();
      s.server.close();
    }
    await Promise.all([
      ours.clear(),
      oursUnbatched.clear(),
      oursNode.clear(),
      theirs.clear(),
    ]);
    await Promise.all([ioredis.quit(), ioredisUnbatched.quit()]);
    await Promise.all([nodeRedisA.close(), nodeRedisB.close()]);
  }
  const rows = cases.map((c, i) => {
    const mine = samples[i]!;
    const reference =
      samples[cases.findIndex((r) => r.reference && r.route === c.route)]!;
    const rps = median(mine.map((r) => r.rps));
    // Paired by round (the two runs were seconds apart): robust to a busy machine.
    const ratio = median(mine.map((r, round) => r.rps / reference[round]!.rps));
    const cpuRatio = median(
      mine.map((r, round) => reference[round]!.cpuPerRequest / r.cpuPerRequest),
    );
    const p99 = median(mine.map((r) => r.p99));
    const cpu = median(mine.map((r) => r.cpuPerRequest));
    const runs = mine.map((r) => Math.round(r.rps)).join(", ");
    return `| \`${c.route}\` | ${c.name} | ${Math.round(rps).toLocaleString("en-US")} | ${ratio.toFixed(2)}× | ${p99} ms | ${Math.round(cpu)} µs | ${cpuRatio.toFixed(2)}× | ${runs} |`;
  });
  return [
    `Requests/s of \`GET /visit\` (express-session reads the session, the route updates it, the store writes it back) and of \`GET /read\` (read-only: the store reads, then touches), autocannon -c ${CONNECTIONS} -d ${DURATION_S} in a separate process, median of ${ROUNDS} rounds (ratio: median of the per-round ratios), one Redis on loopback, Node ${process.version}. CPU/request: CPU time of the process serving the apps, per request.`,
    "",
    "| route | store | req/s (median) | req/s vs connect-redis | p99 latency (median) | CPU/request | connect-redis CPU/request ÷ this | runs (req/s) |",
    "|---|---|---:|---:|---:|---:|---:|---|",
    ...rows,
  ].join("\n");
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  console.log(await run());
}
