/**
 * Requests/s of a hello-world Express route without metrics and with the
 * `@cloud-platform/metrics-statsd` middlewares (statsd only, Prometheus only, both; target:
 * at most 5 % loss with both). The apps run in this process on loopback; statsd packets go to
 * a UDP socket here; the load comes from autocannon in a separate process (`--json`). Each
 * round measures every variant once, in a rotating order; the table gives the medians.
 *
 * Run: `node --import tsx bench/metrics-statsd.bench.ts` (after building the package).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import express, { type RequestHandler } from 'express';
import { createPrometheusMetrics, createStatsd, statsdMiddleware, type Statsd } from '@cloud-platform/metrics-statsd';

const ROUNDS = 7;
const DURATION_S = 3;
const CONNECTIONS = 10;
const AUTOCANNON = join(import.meta.dirname, '..', 'node_modules', '.bin', 'autocannon');

interface Variant {
  name: string;
  middlewares: (statsd: Statsd) => RequestHandler[];
}

const variants: Variant[] = [
  { name: 'no metrics', middlewares: () => [] },
  { name: 'statsd', middlewares: (statsd) => [statsdMiddleware(statsd)] },
  { name: 'Prometheus', middlewares: () => [createPrometheusMetrics({ customer: 'acme', environment: 'bench' }).middleware()] },
  {
    name: 'statsd + Prometheus',
    middlewares: (statsd) => [statsdMiddleware(statsd), createPrometheusMetrics({ customer: 'acme', environment: 'bench' }).middleware()],
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function serve(handlers: RequestHandler[]): Promise<{ server: Server; url: string }> {
  const app = express();
  app.set('etag', false);
  for (const h of handlers) app.use(h);
  app.get('/hello/:name', (req, res) => void res.send(`hello ${req.params.name}`));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hello/world` };
}

/** One autocannon run in its own process; returns the average requests/s. */
function autocannon(url: string, seconds = DURATION_S): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-c', String(CONNECTIONS), '-d', String(seconds), '-j', url];
    const child = spawn(AUTOCANNON, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out) as { requests: { average: number }; non2xx: number; errors: number };
      if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`autocannon saw ${result.non2xx} non-2xx, ${result.errors} errors`));
      resolve(result.requests.average);
    });
  });
}

export async function run(): Promise<string> {
  const sink = createSocket('udp4');
  sink.on('message', () => undefined);
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const statsd = createStatsd({ customer: 'acme', environment: 'bench', host: '127.0.0.1', port: sink.address().port });
  const servers = await Promise.all(variants.map((v) => serve(v.middlewares(statsd))));
  const samples = variants.map(() => [] as number[]);
  try {
    for (const s of servers) await autocannon(s.url.replace('/hello/world', '/hello/warmup'), 1);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let k = 0; k < variants.length; k += 1) {
        const i = (round + k) % variants.length;
        samples[i]!.push(await autocannon(servers[i]!.url));
      }
    }
  } finally {
    for (const s of servers) s.server.close();
    await statsd.close();
    sink.close();
  }
  const baseline = median(samples[0]!);
  const percent = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const rows = variants.map((v, i) => {
    const m = median(samples[i]!);
    // Paired: each round's variant against the same round's baseline, which ran moments apart.
    const paired = median(samples[i]!.map((x, round) => 1 - x / samples[0]![round]!));
    const losses = i === 0 ? '— | —' : `${percent(1 - m / baseline)} | ${percent(paired)}`;
    return `| ${v.name} | ${Math.round(m).toLocaleString('en-US')} | ${losses} | ${samples[i]!.map((x) => Math.round(x)).join(', ')} |`;
  });
  return [
    `Requests/s of \`GET /hello/:name\` on Express ${(await import('express/package.json', { with: { type: 'json' } })).default.version}, autocannon -c ${CONNECTIONS} -d ${DURATION_S} in a separate process, median of ${ROUNDS} rounds, loopback, Node ${process.version}.`,
    '',
    '| middleware | req/s (median) | loss (medians) | loss (median of paired rounds) | runs |',
    '|---|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run());
}
