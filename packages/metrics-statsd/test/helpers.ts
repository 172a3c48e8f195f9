import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Express } from "express";

/** A UDP socket on 127.0.0.1 collecting every statsd line it receives. */
export interface UdpCollector {
  port: number;
  lines: string[];
  /** Resolves once `count` lines arrived, or rejects after `timeoutMs`. */
  waitForLines(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startUdpCollector(): Promise<UdpCollector> {
  const socket = createSocket("udp4");
  const lines: string[] = [];
  socket.on("message", (msg) => {
    for (const line of msg.toString("utf8").split("\n"))
      if (line !== "") lines.push(line);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    lines,
    async waitForLines(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < count) {
        if (Date.now() > deadline)
          throw new Error(
            `expected ${count} statsd lines, got ${lines.length}`,
          );
        await sleep(10);
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** An Express app listening on an ephemeral loopback port. */
export interface RunningApp {
  base: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(app: Express): Promise<RunningApp> {
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The routes every test app has: a root, parameterised routes, a wildcard, and a router
 * mounted on a parameterised path (whose baseUrl holds raw values).
 */
export function addRoutes(app: Express): void {
  app.get("/", (_req, res) => void res.send("home"));
  app.get("/attachments/:id", (_req, res) => void res.send("file"));
  app.post("/attachments", (_req, res) => void res.status(201).send("created"));
  app.delete("/attachments/:id", (_req, res) => void res.status(204).end());
  app.get("/files/*path", (_req, res) => void res.send("nested"));
  const posts = express.Router();
  posts.get("/posts/:postId", (_req, res) => void res.send("post"));
  app.use("/users/:userId", posts);
}

/** A request of the standard set, with the statsd route name and status it must produce. */
export interface Expected {
  method: string;
  path: string;
  route: string;
  status: number;
}

export const STANDARD_REQUESTS: readonly Expected[] = [
  { method: "GET", path: "/", route: "root", status: 200 },
  {
    method: "GET",
    path: "/attachments/1",
    route: "attachments._id",
    status: 200,
  },
  {
    method: "GET",
    path: "/attachments/2",
    route: "attachments._id",
    status: 200,
  },
  { method: "POST", path: "/attachments", route: "attachments", status: 201 },
  {
    method: "DELETE",
    path: "/attachments/3",
    route: "attachments._id",
    status: 204,
  },
  { method: "GET", path: "/files/a/b.txt", route: "files._path", status: 200 },
  {
    method: "GET",
    path: "/users/42/posts/7",
    route: "users._userId.posts._postId",
    status: 200,
  },
  { method: "GET", path: "/no/such/page", route: "unmatched", status: 404 },
];

/** Sends the requests one after the other and checks each status. */
export async function sendAll(
  base: string,
  requests: readonly Expected[],
): Promise<void> {
  for (const r of requests) {
    const res = await fetch(base + r.path, { method: r.method });
    await res.arrayBuffer();
    if (res.status !== r.status)
      throw new Error(
        `${r.method} ${r.path}: ${res.status}, expected ${r.status}`,
      );
  }
}

/** Fails with a clear message when a binary the test needs is missing (never a silent pass). */
export function requireBinary(path: string, debianPackage: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`,
    );
  }
  return path;
}

/** Runs a command with `input` on stdin. */
export function run(
  command: string,
  args: string[],
  input: string,
): { status: number | null; output: string } {
  const result = spawnSync(command, args, {
    input,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A child process whose output is collected, killed by `stop()`. */
export interface Child {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(
  command: string,
  args: string[],
  cwd?: string,
): Child {
  const child = spawn(command, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on(
    "data",
    (chunk: Buffer) => (output += chunk.toString("utf8")),
  );
  child.stderr.on(
    "data",
    (chunk: Buffer) => (output += chunk.toString("utf8")),
  );
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it returns a value, or throws with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
