import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { execFile } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..", "..");
jest.setTimeout(600_000);

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

async function manifests(): Promise<Map<string, Manifest & { dir: string }>> {
  const found = new Map<string, Manifest & { dir: string }>();
  for (const name of await readdir(join(ROOT, "packages"))) {
    const dir = join(ROOT, "packages", name);
    const manifest = JSON.parse(
      await readFile(join(dir, "package.json"), "utf8"),
    ) as Manifest;
    if (manifest.private !== true)
      found.set(manifest.name, { ...manifest, dir });
  }
  return found;
}

/** A package and every internal package it depends on, transitively. */
function closure(
  name: string,
  all: Map<string, Manifest>,
  seen = new Set<string>(),
): Set<string> {
  seen.add(name);
  for (const dep of Object.keys(all.get(name)?.dependencies ?? {}))
    if (all.has(dep) && !seen.has(dep)) closure(dep, all, seen);
  return seen;
}

/**
 * What a user gets: every published package packed (`npm pack`, after the build), then each
 * installed alone into an empty project with only the tarballs of our own packages it
 * depends on (the rest from the registry, peers as npm installs them: optional peers not),
 * then loaded there with `import` and with `require` (Node 20.19+ requires ES modules).
 */
describe("packed packages, installed alone", () => {
  let work = "";
  const tarballs = new Map<string, string>();
  let all = new Map<string, Manifest & { dir: string }>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "cp-pack-"));
    all = await manifests();
    await run("npx", ["turbo", "run", "build", "--output-logs=errors-only"], {
      cwd: ROOT,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    });
    const packDir = join(work, "tarballs");
    await mkdir(packDir);
    const { stdout } = await run(
      "npm",
      [
        "pack",
        "--json",
        "--pack-destination",
        packDir,
        ...[...all.values()].flatMap((m) => ["--workspace", m.dir]),
      ],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    for (const packed of JSON.parse(stdout) as {
      name: string;
      filename: string;
    }[])
      tarballs.set(packed.name, join(packDir, packed.filename));
  });

  afterAll(async () => {
    if (work !== "") await rm(work, { recursive: true, force: true });
  });

  it("packs every published package", () => {
    expect([...tarballs.keys()].sort()).toEqual([...all.keys()].sort());
  });

  it.each([
    "@cloud-platform/env",
    "@cloud-platform/route-template",
    "@cloud-platform/storage-core",
    "@cloud-platform/storage-s3",
    "@cloud-platform/storage-swift",
    "@cloud-platform/storage-sql",
    "@cloud-platform/session-redis",
    "@cloud-platform/logging-json",
    "@cloud-platform/metrics-statsd",
    "@cloud-platform/platform-checks",
    "@cloud-platform/platform",
  ])("%s installs alone and loads with import and require", async (name) => {
    const project = join(work, name.replace("/", "__"));
    await mkdir(project);
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "empty-project", private: true }),
    );
    const own = [...closure(name, all)].map((n) => tarballs.get(n)!);
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", ...own],
      { cwd: project, maxBuffer: 64 * 1024 * 1024 },
    );
    const manifest = all.get(name)!;
    const optional = Object.keys(manifest.peerDependencies ?? {}).filter(
      (peer) => manifest.peerDependenciesMeta?.[peer]?.optional === true,
    );
    // Optional peers stay out: the package must load without them (better-sqlite3, pg, ioredis).
    for (const peer of optional)
      await expect(
        readFile(join(project, "node_modules", peer, "package.json")),
      ).rejects.toThrow();
    const script = (how: "import" | "require"): string =>
      how === "import"
        ? `import(${JSON.stringify(name)}).then((m) => console.log(Object.keys(m).length))`
        : `console.log(Object.keys(require(${JSON.stringify(name)})).length)`;
    for (const how of ["import", "require"] as const) {
      const { stdout } = await run(
        process.execPath,
        ["--no-warnings", "-e", script(how)],
        { cwd: project },
      );
      expect(Number(stdout.trim())).toBeGreaterThan(0);
    }
    if (name === "@cloud-platform/session-redis") {
      // A node-redis user: no ioredis installed, and a store still builds on an adapter.
      const { stdout } = await run(
        process.execPath,
        [
          "--no-warnings",
          "-e",
          `const s = require(${JSON.stringify(name)});
           const client = { isReady: true, on() {}, off() {}, get: async () => null };
           const store = new s.RedisSessionStore({ client: s.fromNodeRedis(client) });
           let message = "";
           try { s.createRedisClient({ mode: "standalone", host: "127.0.0.1", port: 6379 }); }
           catch (e) { message = e.message; }
           console.log(typeof store.get, message.includes("npm install ioredis"));`,
        ],
        { cwd: project },
      );
      expect(stdout.trim()).toBe("function true");
    }
  });
});
