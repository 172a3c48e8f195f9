import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isStorageError, type ObjectStore } from "@cloud-platform/storage-core";
import { testEndpoints } from "@cloud-platform/test-services";
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { createS3Store, s3OptionsFromEnv } from "../src/index.js";
import { createTestBucket, dropBucket, rawClient } from "./helpers.js";

/**
 * The SDK's default credential chain, for real: no static keys in the environment, and
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI` (ECS/EKS container credentials; loopback is allowed)
 * pointing at this test's own HTTP server, which hands out the local Swift's S3 keys.
 */
const CHAIN_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
];
const AUTHORIZATION = "container-token-of-the-test";
/** The SDK refreshes credentials that expire within five minutes. */
const SDK_REFRESH_WINDOW_MS = 300_000;

interface CredentialServer {
  server: Server;
  url: string;
  /** Requests that got credentials. */
  served: number;
  /** Requests refused for a wrong Authorization header. */
  refused: number;
  /** The secret handed out next. */
  secret: string;
  /** How long, past the SDK's refresh window, served credentials stay fresh. */
  freshForMs: number;
}

async function startCredentialServer(
  accessKeyId: string,
  secret: string,
): Promise<CredentialServer> {
  const state = { served: 0, refused: 0, secret, freshForMs: 2000 };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== AUTHORIZATION) {
      state.refused++;
      res.writeHead(401).end();
      return;
    }
    state.served++;
    const expiration = new Date(
      Date.now() + SDK_REFRESH_WINDOW_MS + state.freshForMs,
    );
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        AccessKeyId: accessKeyId,
        SecretAccessKey: state.secret,
        Token: "session-token-of-the-test",
        Expiration: expiration.toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(state, {
    server,
    url: `http://127.0.0.1:${port}/v2/credentials/test`,
  });
}

/** Runs `attempt` every 100 ms until it returns true; fails after `ms`. */
async function eventually(
  what: string,
  attempt: () => Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`never saw: ${what}`);
    await sleep(100);
  }
}

describe("S3 credentials from the SDK's default chain", () => {
  const saved = new Map<string, string | undefined>();
  const s3 = testEndpoints().s3;
  let raw: S3Client;
  let bucket: string;
  let creds: CredentialServer;
  let store: ObjectStore;

  beforeAll(async () => {
    raw = rawClient();
    bucket = await createTestBucket(raw, "cp-s3-chain");
    creds = await startCredentialServer(s3.accessKeyId, s3.secretAccessKey);
    for (const name of CHAIN_VARIABLES) {
      saved.set(name, process.env[name]);
      Reflect.deleteProperty(process.env, name);
    }
    // No shared config or profile on this machine can answer before the container provider.
    process.env["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
    process.env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
    process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = creds.url;
    process.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = AUTHORIZATION;
    store = createS3Store({
      ...s3OptionsFromEnv({
        AWS_HOST: s3.endpoint,
        AWS_REGION: s3.region,
        AWS_BUCKETNAME: bucket,
      }),
      retry: { maxAttempts: 1 },
    });
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    creds.server.closeAllConnections();
    await new Promise((resolve) => creds.server.close(resolve));
    // `store` is unset when the set-up failed (an old mapper refusing the missing keys).
    await (store as ObjectStore | undefined)?.close?.();
    await dropBucket(raw, bucket);
    raw.destroy();
  });

  it("stores and reads with the container credentials when no static keys are set", async () => {
    await store.put("chain/a.txt", "from the chain");
    expect((await store.get("chain/a.txt")).toString()).toBe("from the chain");
    expect(creds.served).toBeGreaterThanOrEqual(1);
    expect(creds.refused).toBe(0);
  });

  it("caches credentials until they near expiry: ten requests do not ask ten times", async () => {
    const before = creds.served;
    for (let i = 0; i < 10; i++) await store.exists("chain/a.txt");
    // Served credentials stay fresh 2 s: at most a refresh or two while these run.
    expect(creds.served - before).toBeLessThan(5);
  });

  it("asks the provider again after expiry and keeps working across a rotation", async () => {
    const before = creds.served;
    await eventually("the credential server called again", async () => {
      expect(await store.exists("chain/a.txt")).toBe(true);
      return creds.served > before;
    });
    expect((await store.get("chain/a.txt")).toString()).toBe("from the chain");
  });

  it("fails with E_PERMISSION while a bad key is served, then recovers with the next good one", async () => {
    creds.secret = "not-the-secret";
    await eventually("a request refused with the rotated bad key", async () =>
      store.put("chain/b.txt", "b").then(
        () => false,
        (error: unknown) => {
          if (isStorageError(error, "E_PERMISSION")) return true;
          throw error;
        },
      ),
    );
    creds.secret = s3.secretAccessKey;
    await eventually("a request accepted again with the rotated good key", () =>
      store.put("chain/b.txt", "b").then(
        () => true,
        (error: unknown) => {
          if (isStorageError(error, "E_PERMISSION")) return false;
          throw error;
        },
      ),
    );
    expect((await store.get("chain/b.txt")).toString()).toBe("b");
    expect(creds.refused).toBe(0);
  });
});
