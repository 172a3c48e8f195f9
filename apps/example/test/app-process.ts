import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "@cloud-platform/test-services";

/** One JSON log line of a child process (`ODOO_LOGGING_JSON=1`). */
export type LogLine = { message: string; "log.level": string } & Record<
  string,
  unknown
>;

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running instance of the example app (`src/main.ts`, on sources). */
export interface AppProcess {
  name: string;
  port: number;
  url: string;
  pid: number;
  /** Every JSON line it printed so far. */
  logs: LogLine[];
  /** Everything it printed (stdout and stderr), for failure messages. */
  output(): string;
  exited: Promise<Exit>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL when it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
}

const appDir = fileURLToPath(new URL("..", import.meta.url));
const mainFile = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const cliFile = fileURLToPath(
  new URL("../../../packages/platform/src/cli.ts", import.meta.url),
);
const running = new Set<ChildProcess>();

// A test that throws before its afterAll, or a worker torn down early, must not leave servers.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * The environment of a child: only what it is given (never the test runner's own variables,
 * so a stray DATABASE_URL or AWS_* cannot leak in), plus PATH and HOME.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    ...env,
  };
}

function spawnSource(
  file: string,
  args: string[],
  env: Record<string, string>,
): ChildProcess {
  const child = spawn(
    process.execPath,
    ["--conditions=@cloud-platform/source", "--import", "tsx", file, ...args],
    {
      cwd: appDir,
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Starts the example app on a free port and resolves once it logged that it listens.
 *
 * @throws Error with the process output when it exits or does not listen within `timeoutMs`
 */
export async function startApp(
  env: Record<string, string>,
  options: { name?: string; timeoutMs?: number; port?: number } = {},
): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const child = spawnSource(mainFile, [], { ...env, PORT: String(port) });
  const name = options.name ?? `app:${port}`;
  const logs: LogLine[] = [];
  let text = "";
  const exited = exitOf(child);
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      text += `${line}\n`;
      try {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        if (parsed.message.startsWith("example app listening")) resolve();
      } catch {
        // A readable (non-JSON) line: kept in the output only.
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    void exited.then((exit) =>
      reject(
        new Error(
          `${name} exited (${JSON.stringify(exit)}) before listening:\n${text.slice(-4000)}`,
        ),
      ),
    );
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${name} did not listen within ${timeoutMs} ms:\n${text.slice(-4000)}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([listening, timeout]);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const kill = async (): Promise<void> => {
    child.kill("SIGKILL");
    await exited;
  };
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    logs,
    output: () => text,
    exited,
    kill,
    async stop(graceMs = 15_000) {
      child.kill("SIGTERM");
      const forced = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(forced);
      }
    },
  };
}

/** What a CLI run printed and its exit code. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cloud-platform <args>` (the platform's CLI, on sources) to its end. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<CliResult> {
  return runToEnd(cliFile, args, env, timeoutMs);
}

/** Runs the example app expecting it to stop by itself (a refused start-up), killed after `timeoutMs`. */
export async function runAppToExit(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return runToEnd(
    mainFile,
    [],
    { ...env, PORT: String(await freePort()) },
    timeoutMs,
  );
}

async function runToEnd(
  file: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<CliResult> {
  const child = spawnSource(file, args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  return { code: exit.code, stdout, stderr };
}

/** SIGKILLs every child this module started that is still running (for afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const exited = exitOf(child);
      child.kill("SIGKILL");
      await exited;
    }),
  );
}

/**
 * Polls `GET /monitoring/ready` until it answers 200 (an upgrade start is live at once and
 * ready once its migration ended).
 *
 * @throws Error with the last answer when it is not ready within `timeoutMs`
 */
export async function untilReady(
  url: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const response = await fetch(`${url}/monitoring/ready`);
    last = `${response.status} ${await response.text()}`;
    if (response.status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`${url} not ready within ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
