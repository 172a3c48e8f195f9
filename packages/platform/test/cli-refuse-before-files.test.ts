import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { plantedConfiguration } from "./check-configuration.js";
import { runCli } from "./cli-process.js";

jest.setTimeout(120_000);

const SECRET = "planted-Secret-value-77qx1";
const configuration = plantedConfiguration(SECRET);

/** A shared environment whose index would be the embedded SQLite file (DATABASE_URL unset). */
function sharedOnLocalFile(
  environment: string,
  databaseUrl?: string,
): Record<string, string> {
  const env = configuration(
    "exoscale",
    environment,
    `acme-odoo-${environment}`,
    "",
  );
  delete env.DATABASE_URL;
  return databaseUrl === undefined
    ? env
    : { ...env, DATABASE_URL: databaseUrl };
}

const indexFile = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve("tsx");

/** Starts the platform as an application does, in `cwd`; 78 when it refuses to start. */
async function startUp(
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stderr: string }> {
  const script = `
    import { createPlatform, loadPlatformConfig } from ${JSON.stringify(pathToFileURL(indexFile).href)};
    try {
      const platform = await createPlatform(loadPlatformConfig(process.env));
      await platform.close();
    } catch (error) {
      process.stderr.write(String(error && error.code) + "\\n");
      process.exit(error && error.code === "E_PLATFORM_CONFIG" ? 78 : 1);
    }`;
  const child = spawn(
    process.execPath,
    [
      "--conditions=@cloud-platform/source",
      "--import",
      pathToFileURL(tsxLoader).href,
      "--input-type=module",
      "-e",
      script,
    ],
    {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.once("exit", (exitCode) => resolve(exitCode)),
  );
  return { code, stderr };
}

/**
 * prod, integration and labs refuse a local SQLite index; the refusal must come before the
 * file is made: a refused start leaves nothing on the disk of the host.
 */
describe("a shared environment on a local SQLite index", () => {
  const dirs: string[] = [];
  const emptyDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "cp-refuse-before-files-"));
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    await Promise.all(
      dirs.map((dir) => rm(dir, { recursive: true, force: true })),
    );
  });

  it.each([
    ["check --json", ["check", "--json"]],
    ["check", ["check"]],
    ["migrate", ["migrate"]],
    ["force-database", ["force-database"]],
    ["gc", ["gc"]],
    ["install exoscale", ["install", "exoscale"]],
    // Read-only, but opening the index would create the file they must not leave behind.
    ["status", ["status"]],
    ["fsck", ["fsck"]],
  ])(
    "`%s` on prod with DATABASE_URL unset exits 78 and creates no file",
    async (_name, args) => {
      const dir = await emptyDir();
      const result = await runCli(args, sharedOnLocalFile("prod"), 60_000, dir);
      expect(result.stderr + result.stdout).toContain("DATABASE_URL");
      expect(result.code).toBe(78);
      expect(await readdir(dir)).toEqual([]);
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    },
  );

  it("`check` on integration and labs with a relative SQLite path exits 78 and creates no file", async () => {
    for (const environment of ["integration", "labs-42"]) {
      const dir = await emptyDir();
      const env = {
        ...sharedOnLocalFile(environment, "./index/local.sqlite"),
        ODOO_SESSION_REDIS_PREFIX: "acme-odoo-labs",
      };
      const result = await runCli(["check"], env, 60_000, dir);
      expect(result.code).toBe(78);
      expect(result.stderr).toContain("index.shared-database-required");
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it("the application's start-up refuses before it creates the index file", async () => {
    const dir = await emptyDir();
    const result = await startUp(sharedOnLocalFile("prod"), dir);
    expect(result.stderr).toContain("E_PLATFORM_CONFIG");
    expect(result.code).toBe(78);
    expect(await readdir(dir)).toEqual([]);
  });
});
