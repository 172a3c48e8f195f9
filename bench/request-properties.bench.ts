/**
 * What one property added to a request or a response costs on Express, the measurement
 * behind the request path's layout (one record per request, the access log's counting and
 * the session accessors on the app's prototypes). Express swaps the prototype of every
 * request and response (`Object.setPrototypeOf(req, app.request)`), and V8 then handles
 * each property added afterwards on a slow path.
 *
 * Servers, each in a child process of its own: GET /hello on bare Express, the same with a
 * middleware that adds N symbol properties to the request and N to the response, and one
 * that adds a single property holding an object of eight fields (what the route-template
 * record does). Paired rounds in rotating order; the table gives medians of the server's
 * CPU per request and the cost per added property against the bare server.
 *
 * Env: BENCH_ROUNDS (5), BENCH_DURATION_S (4).
 * Run: `node --import tsx bench/request-properties.bench.ts` (any Node: the servers run on
 * the same one, e.g. `bash scripts/with-node.sh 24.22.3 node --import tsx …`).
 */
import { fileURLToPath } from "node:url";
import { runLoad } from "./lib/autocannon.js";
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

const log = progressLogger("request-properties");
const ROUNDS = envNumber("BENCH_ROUNDS", 5);
const DURATION_S = envNumber("BENCH_DURATION_S", 4);
const CONNECTIONS = 10;
const KINDS = ["bare", "props:1", "props:4", "props:8", "record"] as const;
type Kind = (typeof KINDS)[number];

async function serve(kind: Kind): Promise<void> {
  const { default: express } = await import("express");
  const app = express();
  app.disable("x-powered-by");
  const symbols = Array.from({ length: 8 }, (_, i) => Symbol(`bench-${i}`));
  if (kind.startsWith("props:")) {
    const n = Number(kind.slice("props:".length));
    app.use((req, res, next) => {
      const r = req as unknown as Record<symbol, number>;
      const s = res as unknown as Record<symbol, number>;
      for (let i = 0; i < n; i++) {
        r[symbols[i]!] = i;
        s[symbols[i]!] = i;
      }
      next();
    });
  } else if (kind === "record") {
    const key = symbols[0]!;
    app.use((req, _res, next) => {
      (req as unknown as Record<symbol, object>)[key] = {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
        e: 5,
        f: 6,
        g: 7,
        h: 8,
      };
      next();
    });
  }
  app.get("/hello", (_req, res) => res.send("hello"));
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    announceReady(
      typeof address === "object" && address ? address.port : 0,
      async () => {
        server.closeAllConnections();
        server.close();
      },
    );
  });
}

/** Properties added per request (request + response) by each kind. */
function added(kind: Kind): number {
  if (kind.startsWith("props:")) return 2 * Number(kind.slice("props:".length));
  return kind === "record" ? 1 : 0;
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const servers = new Map<Kind, ChildServer>();
  try {
    for (const kind of KINDS)
      servers.set(
        kind,
        await startChildServer(["--import", "tsx", self, "--serve", kind], {
          PATH: process.env["PATH"],
        }),
      );
    const cpu = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
    const rps = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
    for (const server of servers.values())
      await runLoad(`${server.url}/hello`, {
        connections: CONNECTIONS,
        durationSeconds: 1,
      });
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < KINDS.length; i++) {
        const kind = KINDS[(i + round) % KINDS.length]!;
        const server = servers.get(kind)!;
        const before = await processCpuSeconds(server.pid);
        const result = await runLoad(`${server.url}/hello`, {
          connections: CONNECTIONS,
          durationSeconds: DURATION_S,
        });
        const used = (await processCpuSeconds(server.pid)) - before;
        if (result.bad > 0) throw new Error(`${kind}: ${result.bad} failed`);
        cpu.get(kind)!.push((used * 1e6) / result.requests);
        rps.get(kind)!.push(result.rps);
        log(`round ${round + 1}/${ROUNDS} ${kind}: ${fixed(result.rps)} req/s`);
      }
    }
    const bareCpu = median(cpu.get("bare")!);
    const rows = KINDS.map((kind) => {
      const us = median(cpu.get(kind)!);
      const n = added(kind);
      return [
        kind === "bare"
          ? "bare Express"
          : kind === "record"
            ? "one property holding an 8-field object (on the request)"
            : `${n / 2} symbol ${n === 2 ? "property" : "properties"} on the request and ${n / 2} on the response`,
        String(n),
        fixed(median(rps.get(kind)!)),
        fixed(us),
        n === 0 ? "" : fixed((us - bareCpu) / n, 1),
      ];
    });
    process.stdout.write(
      `GET /hello, autocannon ${CONNECTIONS} connections × ${DURATION_S} s, ${ROUNDS} rounds (medians), Node ${process.version}.\n\n` +
        markdownTable(
          [
            "server",
            "properties added per request",
            "req/s",
            "server CPU µs/req",
            "µs per added property",
          ],
          rows,
        ) +
        "\n",
    );
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}

const serveAt = process.argv.indexOf("--serve");
if (serveAt !== -1) await serve(process.argv[serveAt + 1] as Kind);
else await main();
