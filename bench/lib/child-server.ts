/**
 * Servers under test run in child processes of their own (so the load generator, the
 * benchmark and each server do not share an event loop): the child reports its port over
 * IPC once listening, and exits on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { processStatusMb } from "./proc.js";

/** A running child server. */
export interface ChildServer {
  url: string;
  pid: number;
  /** Peak RSS of the child so far (VmHWM), in MB. */
  peakRssMb(): Promise<number>;
  /** Current RSS of the child (VmRSS), in MB. */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

/** What a child sends once it listens. */
export interface ReadyMessage {
  type: "ready";
  port: number;
}

/**
 * Starts `node <args>` with an IPC channel and waits for its {@link ReadyMessage}. Its
 * stdout goes to /dev/null (a server's logs must not reach the terminal); its stderr is
 * inherited so that a crash is visible.
 *
 * @throws when the child exits or stays silent for `timeoutMs` before it is ready
 */
export async function startChildServer(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, args, {
    env,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `child server ${args.join(" ")} was not ready in ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `child server ${args.join(" ")} exited with ${code} before it was ready`,
        ),
      );
    });
    child.on("message", (message: Partial<ReadyMessage>) => {
      if (message.type !== "ready" || typeof message.port !== "number") return;
      clearTimeout(timer);
      resolve(message.port);
    });
  });
  const pid = child.pid!;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    peakRssMb: () => processStatusMb(pid, "VmHWM"),
    rssMb: () => processStatusMb(pid, "VmRSS"),
    stop: () => stopChild(child),
  };
}

/** In the child: tells the parent the server is ready, and closes it on SIGTERM. */
export function announceReady(port: number, close: () => Promise<void>): void {
  process.send?.({ type: "ready", port } satisfies ReadyMessage);
  process.once("SIGTERM", () => {
    void close().finally(() => process.exit(0));
  });
  // The parent died: do not linger.
  process.once("disconnect", () => {
    void close().finally(() => process.exit(0));
  });
}

/** A port free right now on 127.0.0.1 (for a server that takes its port from the environment). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null)
    throw new Error("no port");
  return address.port;
}

/**
 * Starts `node <args>`, a server that listens on `port` (given in its environment), and
 * waits until `readyPath` answers 200. Its stdout (its logs) goes to /dev/null.
 *
 * @throws when it exits or does not answer within `timeoutMs`
 */
export async function startHttpChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
  timeoutMs = 60_000,
): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, args, {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `${args.join(" ")} exited with ${child.exitCode} before it was ready`,
      );
    const ok = await fetch(`${url}${readyPath}`).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `${args.join(" ")} did not answer on ${url}${readyPath} within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    peakRssMb: () => processStatusMb(pid, "VmHWM"),
    rssMb: () => processStatusMb(pid, "VmRSS"),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve()),
  );
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
