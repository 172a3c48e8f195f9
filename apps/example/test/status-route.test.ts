import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SettingName } from "@cloud-platform/storage-core";
import { openIndex } from "@cloud-platform/storage-sql";
import {
  freePort,
  startRedisServer,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import {
  killAll,
  startApp,
  type AppProcess,
  type LogLine,
} from "./app-process.js";
import { call, login, me } from "./client.js";
import { objectStoreEnv, redisEnv, sessionSecret } from "./services.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

/** Waits (bounded) until the app logged a line that matches. */
async function waitForLog(
  app: AppProcess,
  match: (line: LogLine) => boolean,
  timeoutMs = 10_000,
): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = app.logs.find(match);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no such log line within ${timeoutMs} ms:\n${app.output().slice(-3000)}`,
      );
    await sleep(50);
  }
}

/** Deep status until it answers `status` (Redis reconnects by itself, in its own time). */
async function deepStatusUntil(
  url: string,
  status: number,
  timeoutMs = 15_000,
): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/monitoring/status?deep=1`);
    const body: unknown = await response.json();
    if (response.status === status || Date.now() > deadline)
      return { status: response.status, body };
    await sleep(200);
  }
}

/** The status route of one instance whose sessions live in a Redis the test owns. */
describe("the /monitoring/status route", () => {
  let redis: OwnedRedis | undefined;
  let dir = "";
  let app: AppProcess | undefined;
  let cookie = "";

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), "cp-status-"));
    app = await startApp({
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      SESSION_SECRET: sessionSecret(),
      ODOO_LOGGING_JSON: "1",
      ...redisEnv("cp-status-odoo-dev", redis.url),
    });
  }, 90_000);

  afterAll(async () => {
    await killAll();
    await redis?.stop();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers 200 {"status":1}, sets no cookie and stays out of the access log', async () => {
    const response = await fetch(`${app!.url}/monitoring/status`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 1 });
    expect(response.headers.getSetCookie()).toEqual([]);
    // A request after it is logged; once its line is there, the status line would be too.
    expect(await me(app!.url, undefined)).toEqual({ status: 401 });
    await waitForLog(app!, (l) => l["url.path"] === "/me");
    expect(
      app!.logs.filter(
        (l) =>
          typeof l["url.path"] === "string" &&
          l["url.path"].startsWith("/monitoring"),
      ),
    ).toEqual([]);
  });

  it("answers the deep check with 200 while the database and Redis are up", async () => {
    const response = await fetch(`${app!.url}/monitoring/status?deep=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 1,
      checked: ["database", "redis"],
    });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("answers the deep check with 503 naming redis when its Redis is down", async () => {
    cookie = await login(app!.url, "zoe");
    await redis!.stop();
    const down = await deepStatusUntil(app!.url, 503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 0,
      checked: ["database", "redis"],
      failing: [{ name: "redis" }],
    });
    expect((down.body as { failing: unknown[] }).failing).toHaveLength(1);
    // The plain status still says the process serves: a load balancer must not drop it for Redis.
    expect((await fetch(`${app!.url}/monitoring/status`)).status).toBe(200);
  });

  it("answers a logged-in request with 503 at once while Redis is down, never hanging", async () => {
    const response = await call(app!.url, "/me", cookie, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).not.toBeNull();
    await response.text();
  });

  it("answers the deep check with 200 again once Redis is back", async () => {
    await redis!.start();
    expect((await deepStatusUntil(app!.url, 200)).status).toBe(200);
  });
});

/** The deep check of an instance whose object store cannot be reached. */
describe("the deep status with the object store unreachable", () => {
  let dir = "";
  let app: AppProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-status-store-"));
    const database = join(dir, "index.sqlite");
    // As `install exoscale` leaves a dev database (files in the database), S3 behind a closed port.
    const index = await openIndex(database);
    await index.setSetting(SettingName.Kind, "exoscale");
    await index.setSetting(SettingName.Location, "db");
    await index.close();
    app = await startApp({
      DATABASE_URL: database,
      FILESTORE_PATH: join(dir, "filestore"),
      ODOO_LOGGING_JSON: "1",
      ...objectStoreEnv("exoscale", "cp-status-unreachable"),
      AWS_HOST: `http://127.0.0.1:${await freePort()}`,
    });
  }, 60_000);

  afterAll(async () => {
    await killAll();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("answers 503 naming object-storage, while the plain status stays 200", async () => {
    const response = await fetch(`${app!.url}/monitoring/status?deep=1`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      checked: string[];
      failing: { name: string }[];
    };
    expect(body.checked).toEqual(["database", "object-storage"]);
    expect(body.failing.map((f) => f.name)).toEqual(["object-storage"]);
    expect((await fetch(`${app!.url}/monitoring/status`)).status).toBe(200);
  });
});
