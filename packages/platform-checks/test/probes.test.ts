import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  freePort,
  testEndpoints,
  uniqueName,
} from "@cloud-platform/test-services";
import { probePlatform, type Probe } from "../src/index.js";

const endpoints = testEndpoints();
const redisUrl = new URL(endpoints.redisUrl);
const postgresUrl = new URL(endpoints.postgresUrl);

/** A real Redis PING over a raw TCP socket (RESP), stopped by the probe's signal. */
function redisPing(port: number): Probe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const fail = (error: Error): void => {
        socket.destroy();
        reject(error);
      };
      signal.addEventListener("abort", () => fail(new Error("aborted")), {
        once: true,
      });
      socket.once("error", fail);
      socket.once("connect", () => socket.write("*1\r\n$4\r\nPING\r\n"));
      let reply = "";
      socket.on("data", (chunk: Buffer) => {
        reply += chunk.toString("latin1");
        if (!reply.includes("\r\n")) return;
        socket.destroy();
        if (reply.startsWith("+PONG")) resolve();
        else reject(new Error(`unexpected reply ${reply.trim()}`));
      });
    });
}

/** A TCP connection to the index database. */
function tcpConnect(host: string, port: number): Probe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, host);
      signal.addEventListener("abort", () => socket.destroy(), { once: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
    });
}

/** A real Keystone v3 password token request. */
function keystoneToken(authUrl: string): Probe {
  const { user, password, projectName, domain } = endpoints.keystone;
  const body = {
    auth: {
      identity: {
        methods: ["password"],
        password: { user: { name: user, domain: { id: domain }, password } },
      },
      scope: { project: { name: projectName, domain: { id: domain } } },
    },
  };
  return async (signal) => {
    const response = await fetch(`${authUrl}/auth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    await response.arrayBuffer();
    if (response.status !== 201)
      throw new Error(`Keystone answered ${response.status}`);
  };
}

/** Swift tempauth, then HEAD of the container. */
async function swiftAuth(
  signal?: AbortSignal,
): Promise<{ storageUrl: string; token: string }> {
  const { authUrl, user, key } = endpoints.swiftV1;
  const init: RequestInit = {
    headers: { "x-auth-user": user, "x-auth-key": key },
  };
  if (signal) init.signal = signal;
  const response = await fetch(authUrl, init);
  await response.arrayBuffer();
  return {
    storageUrl: response.headers.get("x-storage-url")!,
    token: response.headers.get("x-auth-token")!,
  };
}

function containerHead(container: string): Probe {
  return async (signal) => {
    const { storageUrl, token } = await swiftAuth(signal);
    const response = await fetch(`${storageUrl}/${container}`, {
      method: "HEAD",
      headers: { "x-auth-token": token },
      signal,
    });
    if (response.status !== 204 && response.status !== 200)
      throw new Error(`HEAD ${container}: ${response.status}`);
  };
}

const container = uniqueName("pc-probe");
let silent: Server;
let silentPort = 0;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  const { storageUrl, token } = await swiftAuth();
  const created = await fetch(`${storageUrl}/${container}`, {
    method: "PUT",
    headers: { "x-auth-token": token },
  });
  expect([201, 202]).toContain(created.status);
  // Accepts connections and never answers: what a stuck Redis looks like from outside.
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.once("close", () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  silentPort = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
  const { storageUrl, token } = await swiftAuth();
  await fetch(`${storageUrl}/${container}`, {
    method: "DELETE",
    headers: { "x-auth-token": token },
  });
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("probePlatform", () => {
  it("reports nothing when Redis, the container, Keystone and the database all answer", async () => {
    const problems = await probePlatform(
      {
        redis: redisPing(Number(redisUrl.port || 6379)),
        bucket: containerHead(container),
        keystone: keystoneToken(endpoints.keystone.authUrl),
        database: tcpConnect(
          postgresUrl.hostname,
          Number(postgresUrl.port || 5432),
        ),
      },
      { timeoutMs: 5000, kind: "ovh" },
    );
    expect(problems).toEqual([]);
  });

  it("reports a refused Redis and an unreachable Keystone with their variables", async () => {
    const closed = await freePort();
    const env = {
      RUNNING_ENV: "prod",
      ODOO_SESSION_REDIS_HOST: "redis",
      SWIFT_AUTH_URL: "http://keystone",
    };
    const problems = await probePlatform(
      {
        redis: redisPing(closed),
        keystone: keystoneToken(`http://127.0.0.1:${closed}/v3`),
      },
      { timeoutMs: 5000, env },
    );
    expect(
      problems.map((p) => `${p.rule} ${p.variable} ${p.environment}`),
    ).toEqual([
      "probe.redis ODOO_SESSION_REDIS_HOST prod",
      "probe.keystone SWIFT_AUTH_URL prod",
    ]);
    expect(problems[0]?.message).toMatch(/ECONNREFUSED/);
    expect(problems[1]?.message).toMatch(/fetch failed.*ECONNREFUSED/);
  });

  it("reports a missing container as a bucket problem", async () => {
    const problems = await probePlatform(
      { bucket: containerHead(uniqueName("pc-missing")) },
      { kind: "ovh" },
    );
    expect(problems.map((p) => `${p.rule} ${p.variable}`)).toEqual([
      "probe.bucket SWIFT_WRITE_CONTAINER",
    ]);
    expect(problems[0]?.message).toMatch(/404/);
  });

  it("gives up on a server that never answers and aborts the probe", async () => {
    let signalSeen: AbortSignal | undefined;
    const stuck: Probe = (signal) => {
      signalSeen = signal;
      return redisPing(silentPort)(signal);
    };
    const problems = await probePlatform({ redis: stuck }, { timeoutMs: 200 });
    expect(problems.map((p) => p.rule)).toEqual(["probe.redis"]);
    expect(problems[0]?.message).toBe(
      "The redis probe timed out: no answer within 200 ms.",
    );
    expect(signalSeen?.aborted).toBe(true);
  });

  it("scrubs secrets and URL passwords out of probe errors", async () => {
    const secret = uniqueName("planted-password");
    const closed = await freePort();
    const env = {
      SWIFT_PASSWORD: secret,
      DATABASE_URL: `postgres://odoo:${secret}x@127.0.0.1:${closed}/db`,
    };
    const problems = await probePlatform(
      {
        // fetch refuses URLs with credentials and quotes the URL in its error.
        keystone: async () => {
          await fetch(`http://admin:${secret}@127.0.0.1:${closed}/v3`);
        },
        database: () =>
          Promise.reject(
            new Error(`cannot reach ${env.DATABASE_URL} as odoo/${secret}`),
          ),
      },
      { env },
    );
    expect(problems).toHaveLength(2);
    for (const problem of problems) {
      expect(problem.message).toContain("[redacted]");
      expect(JSON.stringify(problem)).not.toContain(secret);
    }
  });

  it("refuses a timeout that is not a positive number", async () => {
    await expect(probePlatform({}, { timeoutMs: 0 })).rejects.toMatchObject({
      code: "E_INVALID_OPTION",
    });
  });
});
