import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, get, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  killAll,
  startApp,
  untilReady,
  type AppProcess,
  type LogLine,
} from "./app-process.js";
import { download, login } from "./client.js";
import { listRecords } from "./object-refs.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(120_000);

const MiB = 1024 * 1024;

async function waitForLog(
  app: AppProcess,
  match: (line: LogLine) => boolean,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!app.logs.some(match)) {
    if (Date.now() > deadline)
      throw new Error(`no such log line:\n${app.output().slice(-3000)}`);
    await sleep(10);
  }
}

const shuttingDown = (l: LogLine): boolean =>
  l.message === "SIGTERM: shutting down";

/** Polls readiness until connections are refused; every answer it got, in order. */
async function readinessUntilRefused(url: string): Promise<number[]> {
  const answers: number[] = [];
  for (;;) {
    try {
      const response = await fetch(`${url}/monitoring/ready`, {
        headers: { connection: "close" },
      });
      await response.arrayBuffer();
      answers.push(response.status);
    } catch {
      return answers;
    }
    await sleep(50);
  }
}

interface Upload {
  /** Resolves with the status and body, or rejects when the connection was cut. */
  done: Promise<{ status: number; body: string }>;
  /** Resolves once `bytes` were written. */
  wrote(bytes: number): Promise<void>;
}

/** A raw upload of `body`, written 1 MiB every `pauseMs` (so a signal lands mid-body). */
function slowUpload(
  url: string,
  cookie: string,
  body: Buffer,
  pauseMs: number,
): Upload {
  let written = 0;
  const req = request(`${url}/attachments`, {
    method: "POST",
    headers: {
      cookie,
      "content-type": "application/octet-stream",
      "content-length": String(body.length),
      "x-filename": "big.bin",
    },
  });
  const done = new Promise<{ status: number; body: string }>(
    (resolve, reject) => {
      req.once("error", reject);
      req.once("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.once("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text }),
        );
        res.once("error", reject);
      });
    },
  );
  void (async () => {
    for (let at = 0; at < body.length; at += MiB) {
      if (req.destroyed) return;
      req.write(body.subarray(at, at + MiB));
      written = Math.min(at + MiB, body.length);
      await sleep(pauseMs);
    }
    req.end();
  })();
  return {
    done,
    async wrote(bytes) {
      while (written < bytes) await sleep(5);
    },
  };
}

/** Graceful shutdown of the example app, through `platform.serve()`. */
describe("graceful shutdown on SIGTERM", () => {
  let dir = "";
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-shutdown-"));
    env = {
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      ODOO_LOGGING_JSON: "1",
    };
  });

  afterAll(async () => {
    await killAll();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("with 50 idle keep-alive connections it exits 0 within the drain delay plus one second", async () => {
    const app = await startApp({ ...env, CLOUD_PLATFORM_DRAIN_DELAY: "0.5" });
    await untilReady(app.url, 30_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const sockets = new Set<unknown>();
    await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<void>((resolve, reject) => {
            get(`${app.url}/monitoring/live`, { agent }, (res) => {
              sockets.add(res.socket);
              res.resume();
              res.once("end", resolve);
            }).once("error", reject);
          }),
      ),
    );
    expect(sockets.size).toBe(50);
    const signalled = Date.now();
    const exit = await app.stop();
    const elapsed = Date.now() - signalled;
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(500 + 1000);
  });

  it("readiness is 503 from the signal on, until new connections are refused", async () => {
    const app = await startApp({ ...env, CLOUD_PLATFORM_DRAIN_DELAY: "1" });
    await untilReady(app.url, 30_000);
    const exited = app.stop();
    await waitForLog(app, shuttingDown);
    const answers = await readinessUntilRefused(app.url);
    expect(await exited).toEqual({ code: 0, signal: null });
    // About one second of draining at one poll every 50 ms or so: all of them "not ready".
    expect(answers.length).toBeGreaterThan(3);
    expect(new Set(answers)).toEqual(new Set([503]));
  });

  it("an upload of 100 MB in flight completes, is recorded and readable, and the exit code is 0", async () => {
    const app = await startApp({
      ...env,
      CLOUD_PLATFORM_DRAIN_DELAY: "0.5",
      CLOUD_PLATFORM_SHUTDOWN_TIMEOUT: "60",
    });
    await untilReady(app.url, 30_000);
    const cookie = await login(app.url, "uploader");
    const body = randomBytes(100 * MiB);
    const upload = slowUpload(app.url, cookie, body, 15);
    await upload.wrote(20 * MiB);
    const exited = app.stop(90_000);
    await waitForLog(app, shuttingDown);
    const ready = await fetch(`${app.url}/monitoring/ready`);
    expect(ready.status).toBe(503);
    const answer = await upload.done;
    expect(answer.status).toBe(201);
    const created = JSON.parse(answer.body) as { id: string; checksum: string };
    const checksum = createHash("sha256").update(body).digest("hex");
    expect(created.checksum).toBe(checksum);
    expect(await exited).toEqual({ code: 0, signal: null });

    const again = await startApp(env);
    try {
      const got = await download(
        again.url,
        await login(again.url, "reader"),
        created.id,
      );
      expect(got.response.status).toBe(200);
      expect(createHash("sha256").update(got.bytes).digest("hex")).toBe(
        checksum,
      );
    } finally {
      await again.stop();
    }
  });

  it("an upload cut by the deadline fails for the client and leaves no row", async () => {
    const before = (await listRecords(env.DATABASE_URL!)).length;
    const app = await startApp({
      ...env,
      CLOUD_PLATFORM_DRAIN_DELAY: "0.2",
      CLOUD_PLATFORM_SHUTDOWN_TIMEOUT: "0.5",
    });
    await untilReady(app.url, 30_000);
    const cookie = await login(app.url, "uploader");
    // 100 MiB at 1 MiB per 50 ms: about five seconds, far past the deadline.
    const upload = slowUpload(app.url, cookie, randomBytes(100 * MiB), 50);
    await upload.wrote(10 * MiB);
    const exited = app.stop();
    await expect(upload.done).rejects.toThrow();
    // Cut requests make the exit code 1: the drain was not clean.
    expect(await exited).toEqual({ code: 1, signal: null });
    expect(app.logs.map((l) => l.message)).toContain(
      "shutdown deadline reached: cutting requests in flight",
    );
    expect(await listRecords(env.DATABASE_URL!)).toHaveLength(before);
  });
});
