/**
 * CPU profile of the platform benchmark's server: starts `platform-middleware.bench.ts
 * --serve <kind>` under `node --cpu-prof`, loads `GET /hello` (anonymous, then with a
 * logged-in session cookie when BENCH_PROFILE_SESSION=1), stops it and prints the top self
 * times by function and by package (busy samples only: idle time left out).
 *
 * Run: `node --import tsx bench/profile-middleware.ts [kind]` (kind: platform, bare, layer:N).
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "./lib/autocannon.js";
import { startChildServer } from "./lib/child-server.js";
import { summariseProfile } from "./lib/cpu-profile.js";
import { envNumber } from "./lib/stats.js";
import { platformEnv } from "./platform-middleware.bench.js";

const kind = process.argv[2] ?? "platform";
const seconds = envNumber("BENCH_DURATION_S", 8);
const dir = await mkdtemp(join(tmpdir(), "cp-profile-"));
const statsd = createSocket("udp4");
statsd.on("message", () => undefined);
await new Promise<void>((resolve) => statsd.bind(0, "127.0.0.1", resolve));
const server = await startChildServer(
  [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    "--import",
    "tsx",
    join(import.meta.dirname, "platform-middleware.bench.ts"),
    "--serve",
    kind,
  ],
  platformEnv(
    dir,
    statsd.address().port,
    `bench-prof-${randomBytes(4).toString("hex")}`,
  ),
);
try {
  const headers: Record<string, string> = {};
  if (process.env["BENCH_PROFILE_SESSION"] === "1") {
    const response = await fetch(`${server.url}/login`, { method: "POST" });
    headers["Cookie"] = response.headers.get("set-cookie")!.split(";")[0]!;
  }
  const result = await runLoad(`${server.url}/hello`, {
    connections: 10,
    durationSeconds: seconds,
    headers,
  });
  process.stdout.write(
    `${kind}: ${Math.round(result.rps)} req/s, ${result.requests} requests\n`,
  );
} finally {
  await server.stop();
  statsd.close();
}
const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
if (file === undefined) throw new Error("no profile written");
const summary = await summariseProfile(join(dir, file));
const top = envNumber("BENCH_PROFILE_TOP", 25);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
process.stdout.write(
  `busy samples: ${summary.samples}\n\n| function (package) | self |\n|---|---:|\n`,
);
for (const row of summary.functions.slice(0, top))
  process.stdout.write(`| ${row.name} | ${pct(row.share)} |\n`);
process.stdout.write("\n| package | self |\n|---|---:|\n");
for (const row of summary.packages.slice(0, 15))
  process.stdout.write(`| ${row.name} | ${pct(row.share)} |\n`);
process.stdout.write(
  "\n| function (inclusive, ours and the stack around them) | total |\n|---|---:|\n",
);
for (const row of summary.inclusive
  .filter((r) =>
    /cloud-platform|express|router|node \(core\)|winston|readable-stream|session|ioredis|hot-shots|prom-client/.test(
      r.name,
    ),
  )
  .slice(0, envNumber("BENCH_PROFILE_INCLUSIVE", 60)))
  process.stdout.write(`| ${row.name} | ${pct(row.share)} |\n`);
if (process.env["BENCH_PROFILE_KEEP"] === "1")
  process.stdout.write(`profile kept in ${dir}\n`);
else await rm(dir, { recursive: true, force: true });
