/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line), each in
 * a process of its own so that memory figures do not leak from one to the next, one after
 * the other, and writes their tables to BENCHMARKS.md with the machine and the versions.
 */
import { spawn } from "node:child_process";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { cpus, totalmem, release } from "node:os";
import { basename, join } from "node:path";

const here = import.meta.dirname;
const root = join(here, "..");

/** Runs one benchmark file; its standard output is its table. */
function runFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", join(here, file)],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout
      .setEncoding("utf8")
      .on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`exit code ${code}`)),
    );
  });
}

async function versionOf(pkg: string): Promise<string> {
  try {
    const json = JSON.parse(
      await readFile(join(root, "node_modules", pkg, "package.json"), "utf8"),
    ) as { version: string };
    return json.version;
  } catch {
    return "not installed";
  }
}

async function header(): Promise<string> {
  const packages = [
    "@aws-sdk/client-s3",
    "ioredis",
    "redis",
    "connect-redis",
    "express",
    "express-session",
    "winston",
    "@elastic/ecs-winston-format",
    "pino",
    "hot-shots",
    "prom-client",
    "better-sqlite3",
    "pg",
    "autocannon",
  ];
  const versions = await Promise.all(
    packages.map(async (p) => `${p} ${await versionOf(p)}`),
  );
  return [
    "# Benchmarks",
    "",
    `Written by \`npm run bench\` on ${new Date().toISOString()}.`,
    "",
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}.`,
    "Everything (client, servers, load generator) runs on this one machine, on loopback; the",
    "Swift and S3 servers are the local OpenStack Swift started by `scripts/services.sh`.",
    "",
    `Versions: ${versions.join(", ")}.`,
    "",
  ].join("\n");
}

const wanted = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const sections: string[] = [await header()];
for (const file of files) {
  const name = basename(file, ".bench.ts");
  process.stderr.write(`bench: ${name}...\n`);
  const started = Date.now();
  try {
    const table = await runFile(file);
    sections.push(
      `## ${name}\n\nCommand: \`node --import tsx bench/${file}\` (${Math.round((Date.now() - started) / 1000)} s)\n\n${table.trim()}\n`,
    );
  } catch (error) {
    sections.push(
      `## ${name}\n\nFAILED: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
  process.stdout.write(`${sections.at(-1) ?? ""}\n`);
}
if (wanted.length === 0)
  await writeFile(join(root, "BENCHMARKS.md"), sections.join("\n"));
