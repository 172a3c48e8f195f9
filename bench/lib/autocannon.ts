/** The load generator: autocannon (root node_modules) in a process of its own, `--json`. */
import { spawn } from "node:child_process";
import { join } from "node:path";

const AUTOCANNON = join(
  import.meta.dirname,
  "..",
  "..",
  "node_modules",
  ".bin",
  "autocannon",
);

/** What one load run measured. */
export interface LoadResult {
  /** Mean requests per second over the run. */
  rps: number;
  /** p99 latency, ms. */
  p99: number;
  /** Responses with a status other than 2xx, plus errors and timeouts. */
  bad: number;
  requests: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
}

/** Loads `url` for a bounded time and returns autocannon's figures. */
export async function runLoad(
  url: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([k, v]) => [
    "-H",
    `${k}=${v}`,
  ]);
  const args = [
    "--json",
    "-c",
    String(options.connections),
    "-d",
    String(options.durationSeconds),
    ...headerArgs,
    url,
  ];
  const child = spawn(AUTOCANNON, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0)
    throw new Error(`autocannon exited with ${code}: ${err.slice(-2000)}`);
  const json = JSON.parse(out) as AutocannonJson;
  return {
    rps: json.requests.average,
    p99: json.latency.p99,
    bad: json.non2xx + json.errors + json.timeouts,
    requests: json.requests.total,
  };
}
