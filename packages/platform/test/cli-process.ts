import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** What a CLI run printed and its exit code. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const cliFile = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
// By path: a run in another working directory cannot resolve the bare name `tsx`.
const tsxLoader = createRequire(import.meta.url).resolve("tsx");

/**
 * Runs `cloud-platform <args>` as its own process, on sources, with only `env` (plus PATH and
 * HOME: none of the test runner's variables leak in), in `cwd` (default: the package, where a
 * relative `DATABASE_URL` lands). Killed after `timeoutMs`.
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  cwd = packageDir,
): Promise<CliResult> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@cloud-platform/source",
      "--import",
      pathToFileURL(tsxLoader).href,
      cliFile,
      ...args,
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) =>
    child.once("exit", (exitCode) => resolve(exitCode)),
  );
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The JSON lines of an output (other lines skipped). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
