/**
 * Requests/s of a hello-world Express route without metrics and with the
 * `@cloud-platform/metrics-statsd` middlewares (statsd only, Prometheus only, both; target:
 * at most 5 % loss with both). The apps run in this process on loopback; statsd packets go to
 * a UDP socket in a child process (as they would to a statsd daemon); the load comes from
 * autocannon in a separate process (`--json`). Each round measures every variant once, in a
 * rotating order; the table gives the medians, the median of the per-round (paired) losses,
 * and this process' CPU time per request (less sensitive to a busy machine than req/s).
 *
 * Run: `node --import tsx bench/metrics-statsd.bench.ts` (after building the package).
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import express, { type RequestHandler } from "express";
import {
  createPrometheusMetrics,
  createStatsd,
  statsdMiddleware,
  type Statsd,
} from "@cloud-platform/metrics-statsd";

const ROUNDS = 9;
const DURATION_S = 2;
const CONNECTIONS = 10;
/** Server CPU per request of the plain app, measured by the autocannon rounds. */
let baseCpuUsPerRequest = 0;
const AUTOCANNON = join(
  import.meta.dirname,
  "..",
  "node_modules",
  ".bin",
  "autocannon",
);

interface Variant {
  name: string;
  middlewares: (statsd: Statsd) => RequestHandler[];
}

const variants: Variant[] = [
  { name: "no metrics", middlewares: () => [] },
  { name: "statsd", middlewares: (statsd) => [statsdMiddleware(statsd)] },
  {
    name: "Prometheus",
    middlewares: () => [
      createPrometheusMetrics({
        customer: "acme",
        environment: "bench",
      }).middleware(),
    ],
  },
  {
    name: "statsd + Prometheus",
    middlewares: (statsd) => [
      statsdMiddleware(statsd),
      createPrometheusMetrics({
        customer: "acme",
        environment: "bench",
      }).middleware(),
    ],
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function serve(
  handlers: RequestHandler[],
): Promise<{ server: Server; url: string }> {
  const app = express();
  app.set("etag", false);
  for (const h of handlers) app.use(h);
  app.get(
    "/hello/:name",
    (req, res) => void res.send(`hello ${req.params.name}`),
  );
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hello/world`,
  };
}

interface Sample {
  rps: number;
  cpuUsPerRequest: number;
}

/** A UDP sink in a child process, standing for the statsd daemon; resolves to its port. */
function startSink(): Promise<{ port: number; stop(): void }> {
  const code =
    "const s=require('dgram').createSocket('udp4');s.on('message',()=>{});s.bind(0,'127.0.0.1',()=>console.log(s.address().port))";
  const child = spawn(process.execPath, ["-e", code], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout
      .setEncoding("utf8")
      .once("data", (line: string) =>
        resolve({ port: Number(line.trim()), stop: () => child.kill() }),
      );
  });
}

/** One autocannon run in its own process; returns requests/s and this process' CPU per request. */
async function measure(url: string, seconds = DURATION_S): Promise<Sample> {
  const cpu = process.cpuUsage();
  const { rps, total } = await autocannon(url, seconds);
  const used = process.cpuUsage(cpu);
  return { rps, cpuUsPerRequest: (used.user + used.system) / total };
}

function autocannon(
  url: string,
  seconds: number,
): Promise<{ rps: number; total: number }> {
  return new Promise((resolve, reject) => {
    const args = ["-c", String(CONNECTIONS), "-d", String(seconds), "-j", url];
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
      const result = JSON.parse(out) as {
        requests: { average: number; total: number };
        non2xx: number;
        errors: number;
      };
      if (result.non2xx > 0 || result.errors > 0)
        return reject(
          new Error(
            `autocannon saw ${result.non2xx} non-2xx, ${result.errors} errors`,
          ),
        );
      resolve({ rps: result.requests.average, total: result.requests.total });
    });
  });
}

export async function run(): Promise<string> {
  const sink = await startSink();
  const statsd = createStatsd({
    customer: "acme",
    environment: "bench",
    host: "127.0.0.1",
    port: sink.port,
  });
  const servers = await Promise.all(
    variants.map((v) => serve(v.middlewares(statsd))),
  );
  const samples = variants.map(() => [] as Sample[]);
  let costs = "";
  try {
    for (const s of servers)
      await measure(s.url.replace("/hello/world", "/hello/warmup"), 1);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let k = 0; k < variants.length; k += 1) {
        const i = (round + k) % variants.length;
        samples[i]!.push(await measure(servers[i]!.url));
      }
    }
    baseCpuUsPerRequest = median(samples[0]!.map((x) => x.cpuUsPerRequest));
    costs = await middlewareCost(statsd);
  } finally {
    for (const s of servers) s.server.close();
    await statsd.close();
    sink.stop();
  }
  return `${table(samples)}\n\n${costs}`;
}

/**
 * What the middlewares themselves cost per request, without HTTP: a synthetic request (with
 * the `route` Express sets) and a response emitting `finish`, in a loop, median of batches.
 * Far less sensitive to a busy machine than requests/s (the UDP sends it causes are
 * included); the share divides it by the server CPU per request of the plain app.
 */
async function middlewareCost(statsd: Statsd): Promise<string> {
  const route = { path: "/hello/:name" };
  const none: RequestHandler = (_req, _res, next) => {
    next();
  };
  const measureOne = async (handlers: RequestHandler[]): Promise<number> => {
    const batches: number[] = [];
    for (let b = 0; b < 9; b += 1) {
      const n = 20_000;
      const start = process.cpuUsage();
      for (let i = 0; i < n; i += 1) {
        const req = {
          method: "GET",
          route,
          baseUrl: "",
          url: "/hello/world",
        } as unknown as IncomingMessage;
        // A Node response knows its request (`res.req`), as the middlewares expect.
        const res = Object.assign(new EventEmitter(), {
          statusCode: 200,
          req,
        }) as unknown as ServerResponse;
        for (const h of handlers)
          h(req as never, res as never, () => undefined);
        res.emit("finish");
      }
      // Let the UDP sends the loop queued complete: their CPU counts, idle time does not.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const used = process.cpuUsage(start);
      batches.push((used.user + used.system) / n);
    }
    return median(batches);
  };
  const prom = createPrometheusMetrics({
    customer: "acme",
    environment: "bench",
    defaultMetrics: false,
  });
  const rows: [string, RequestHandler[]][] = [
    ["empty middleware (loop overhead)", [none]],
    ["statsd", [statsdMiddleware(statsd)]],
    ["Prometheus", [prom.middleware()]],
    ["statsd + Prometheus", [statsdMiddleware(statsd), prom.middleware()]],
  ];
  for (const [, h] of rows) await measureOne(h);
  const costs: [string, number][] = [];
  for (const [name, h] of rows) costs.push([name, await measureOne(h)]);
  const loop = costs[0]![1];
  return [
    "CPU per request spent in the middlewares (synthetic request, 9 batches of 20,000, median; the loop overhead is subtracted):",
    "",
    "| middleware | µs/request | share of the plain app's server CPU per request |",
    "|---|---:|---:|",
    ...costs.slice(1).map(([name, cost]) => {
      const own = Math.max(0, cost - loop);
      return `| ${name} | ${own.toFixed(2)} | ${((own / (baseCpuUsPerRequest || Number.NaN)) * 100).toFixed(1)} % |`;
    }),
  ].join("\n");
}

function table(samples: Sample[][]): string {
  const base = samples[0]!;
  const percent = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const baseRps = median(base.map((x) => x.rps));
  const baseCpu = median(base.map((x) => x.cpuUsPerRequest));
  const rows = variants.map((v, i) => {
    const rps = median(samples[i]!.map((x) => x.rps));
    const cpu = median(samples[i]!.map((x) => x.cpuUsPerRequest));
    // Paired: each round's variant against the same round's baseline, measured moments apart.
    const paired = median(
      samples[i]!.map((x, round) => 1 - x.rps / base[round]!.rps),
    );
    const losses =
      i === 0 ? "— | —" : `${percent(1 - rps / baseRps)} | ${percent(paired)}`;
    const cpuCell =
      i === 0
        ? cpu.toFixed(1)
        : `${cpu.toFixed(1)} (+${(cpu - baseCpu).toFixed(1)})`;
    return `| ${v.name} | ${Math.round(rps).toLocaleString("en-US")} | ${losses} | ${cpuCell} |`;
  });
  return [
    `Requests/s of \`GET /hello/:name\` on Express 5, autocannon -c ${CONNECTIONS} -d ${DURATION_S} in a separate process, ${ROUNDS} rounds, loopback, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs.`,
    "",
    "| middleware | req/s (median) | loss (medians) | loss (median of paired rounds) | server CPU µs/request (median) |",
    "|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  console.log(await run());
}
