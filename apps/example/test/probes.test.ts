import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  startRedisServer,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import {
  killAll,
  startApp,
  untilReady,
  type AppProcess,
} from "./app-process.js";
import { me } from "./client.js";
import { redisEnv, sessionSecret } from "./services.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

interface ProbeAnswer {
  status: number;
  body: { status: number; checked?: string[]; failing?: { name: string }[] };
}

async function probe(url: string, path: string): Promise<ProbeAnswer> {
  const response = await fetch(`${url}${path}`);
  return {
    status: response.status,
    body: (await response.json()) as ProbeAnswer["body"],
  };
}

/**
 * `/monitoring/live` and `/monitoring/ready` of one instance whose sessions live in a Redis
 * the test owns (the shared one is never stopped).
 */
describe("the liveness and readiness probes", () => {
  let redis: OwnedRedis | undefined;
  let dir = "";
  let app: AppProcess | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), "cp-probes-"));
    app = await startApp({
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      SESSION_SECRET: sessionSecret(),
      ODOO_LOGGING_JSON: "1",
      ...redisEnv("cp-probes-odoo-dev", redis.url),
    });
    await untilReady(app.url, 30_000);
  }, 90_000);

  afterAll(async () => {
    await killAll();
    await redis?.stop();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("live answers 200 and ready answers 200 naming what it checked", async () => {
    expect(await probe(app!.url, "/monitoring/live")).toEqual({
      status: 200,
      body: { status: 1 },
    });
    expect(await probe(app!.url, "/monitoring/ready")).toEqual({
      status: 200,
      body: { status: 1, checked: ["database", "redis"] },
    });
  });

  it("the probes match as Express routes do: any case, an optional trailing slash, GET and HEAD", async () => {
    for (const path of [
      "/monitoring/live/",
      "/Monitoring/LIVE",
      "/MONITORING/live/",
    ])
      expect(await probe(app!.url, path)).toEqual({
        status: 200,
        body: { status: 1 },
      });
    const head = await fetch(`${app!.url}/monitoring/live`, { method: "HEAD" });
    expect(head.status).toBe(200);
    // Same length, another path; another method: not a probe.
    expect((await fetch(`${app!.url}/xonitoring/live`)).status).toBe(404);
    const post = await fetch(`${app!.url}/monitoring/live`, { method: "POST" });
    await post.arrayBuffer();
    expect(post.status).toBe(404);
  });

  it("the probes set no cookie and stay out of the access log", async () => {
    for (const path of ["/monitoring/live", "/monitoring/ready"]) {
      const response = await fetch(`${app!.url}${path}`);
      await response.arrayBuffer();
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // A request after them is logged; once its line is there, theirs would be too.
    expect(await me(app!.url, undefined)).toEqual({ status: 401 });
    await sleep(200);
    const paths = app!.logs.map((l) => l["url.path"]);
    expect(paths).toContain("/me");
    expect(
      paths.filter((p) => typeof p === "string" && p.startsWith("/monitoring")),
    ).toEqual([]);
  });

  it("Redis stopped: ready turns 503 naming redis within its timeout while live stays 200", async () => {
    await redis!.stop();
    const stoppedAt = Date.now();
    let ready = await probe(app!.url, "/monitoring/ready");
    while (ready.status !== 503 && Date.now() - stoppedAt < 10_000) {
      expect((await probe(app!.url, "/monitoring/live")).status).toBe(200);
      await sleep(100);
      ready = await probe(app!.url, "/monitoring/ready");
    }
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe(0);
    expect(ready.body.failing?.map((f) => f.name)).toEqual(["redis"]);
    // The readiness timeout (1 s) bounds the answer even when Redis does not refuse at once.
    const started = Date.now();
    expect((await probe(app!.url, "/monitoring/ready")).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await probe(app!.url, "/monitoring/live")).toEqual({
      status: 200,
      body: { status: 1 },
    });
  });

  it("Redis back: ready returns to 200 by itself", async () => {
    await redis!.start();
    await untilReady(app!.url, 20_000);
    expect(await probe(app!.url, "/monitoring/ready")).toEqual({
      status: 200,
      body: { status: 1, checked: ["database", "redis"] },
    });
  });
});
