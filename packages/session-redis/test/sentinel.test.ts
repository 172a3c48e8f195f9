import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import {
  freePort,
  startRedisServer,
  uniqueName,
  waitForPort,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import {
  createRedisSessionStore,
  type RedisSessionStore,
} from "@cloud-platform/session-redis";
import { createBrowser, sessionIdOf, startApp } from "./helpers.js";

describe("Sentinel", () => {
  let master: OwnedRedis;
  let sentinel: ChildProcess;
  let dir: string;
  let sentinelPort: number;

  beforeAll(async () => {
    master = await startRedisServer();
    sentinelPort = await freePort();
    dir = await mkdtemp(join(tmpdir(), "sr-sentinel-"));
    // Sentinel rewrites its config file, so it must live in a writable place of our own.
    const conf = join(dir, "sentinel.conf");
    await writeFile(
      conf,
      [
        `port ${sentinelPort}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor testmaster 127.0.0.1 ${master.port} 1`,
        "sentinel down-after-milliseconds testmaster 60000",
        "",
      ].join("\n"),
    );
    sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
    await waitForPort(sentinelPort);
  });
  afterAll(async () => {
    if (sentinel.exitCode === null) {
      const exited = once(sentinel, "exit");
      sentinel.kill("SIGKILL");
      await exited;
    }
    await master.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores sessions on the master the sentinel names", async () => {
    const prefix = uniqueName("sr-sentinel");
    const store: RedisSessionStore = createRedisSessionStore({
      connection: {
        mode: "sentinel",
        sentinels: [{ host: "127.0.0.1", port: sentinelPort }],
        masterName: "testmaster",
      },
      prefix,
    });
    const app = await startApp(store);
    const browser = createBrowser();
    await browser.call(`${app.url}/login`, "POST");
    expect(
      JSON.parse((await browser.call(`${app.url}/me`)).body),
    ).toMatchObject({ uid: 42 });
    const direct = new Redis(master.port, "127.0.0.1");
    const raw = await direct.get(
      `session:${prefix}:${sessionIdOf(browser.cookie)}`,
    );
    expect(JSON.parse(raw ?? "{}")).toMatchObject({ uid: 42 });
    await direct.quit();
    await app.close();
    await store.close();
  });
});
