import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { testEndpoints } from "@cloud-platform/test-services";
import { isStorageError } from "@cloud-platform/storage-core";
import type { KeystoneAuthOptions } from "../src/options.js";
import { createSwiftStore } from "../src/swift-store.js";
import {
  dropContainer,
  freshStore,
  keystoneAuth,
  tempAuth,
} from "./helpers.js";

const keystoneUrl = testEndpoints().keystone.authUrl;

/** Wraps the real fetch: counts auth requests and Swift answers, and can revoke a token as soon as it is issued. */
function observedFetch() {
  const seen = { auths: 0, statuses: [] as number[], revokeNext: false };
  const wrapped: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await fetch(input, init);
    if (url.endsWith("/auth/tokens") || url.includes("/auth/v1.0")) {
      seen.auths++;
      const token = response.headers.get("x-subject-token");
      if (seen.revokeNext && token) {
        seen.revokeNext = false;
        await revoke(token);
      }
    } else seen.statuses.push(response.status);
    return response;
  };
  return { seen, fetch: wrapped };
}

async function revoke(token: string): Promise<void> {
  const response = await fetch(
    `${keystoneUrl.replace(/\/$/, "")}/auth/tokens`,
    {
      method: "DELETE",
      headers: { "x-auth-token": token, "x-subject-token": token },
    },
  );
  expect(response.status).toBe(204);
}

describe("Keystone v3", () => {
  const { store, container } = freshStore(keystoneAuth);
  afterAll(() => dropContainer(keystoneAuth, container));

  it("finds the object-store endpoint in the catalogue and works", async () => {
    await store.put("k/one", "keystone");
    expect((await store.get("k/one")).toString()).toBe("keystone");
  });

  it("accepts the domain by name (Default)", async () => {
    const { userDomainId: _u, projectDomainId: _p, ...byName } = keystoneAuth;
    const other = createSwiftStore({
      container,
      auth: { ...byName, authUrl: `${keystoneUrl}/` },
    });
    expect((await other.get("k/one")).toString()).toBe("keystone");
  });

  it("refuses a region the catalogue does not have with E_NOT_CONFIGURED", async () => {
    const other = createSwiftStore({
      container,
      auth: { ...keystoneAuth, region: "Nowhere" },
    });
    const error = await other.exists("k/one").catch((e: unknown) => e);
    expect(isStorageError(error, "E_NOT_CONFIGURED")).toBe(true);
  });

  it("answers E_PERMISSION to a wrong password, without echoing it", async () => {
    const other = createSwiftStore({
      container,
      auth: { ...keystoneAuth, password: "wrong-secret-42" },
    });
    const error = await other.exists("k/one").catch((e: unknown) => e);
    expect(isStorageError(error, "E_PERMISSION")).toBe(true);
    expect(JSON.stringify(error) + String(error)).not.toContain(
      "wrong-secret-42",
    );
  });
});

describe("token cache", () => {
  const shared: KeystoneAuthOptions = {
    ...keystoneAuth,
    authUrl: "http://localhost:5000/v3",
  };
  const { seen, fetch: wrapped } = observedFetch();
  let clock = Date.now();
  const { store, container } = freshStore(shared, {
    fetch: wrapped,
    now: () => clock,
  });
  beforeAll(() => store.put("t/seed", "seed"));
  afterAll(() => dropContainer(keystoneAuth, container));

  it("authenticates once for many concurrent requests and for every store with the same credentials", async () => {
    const second = createSwiftStore({
      container,
      auth: { ...shared },
      fetch: wrapped,
      now: () => clock,
    });
    await Promise.all([
      ...Array.from({ length: 10 }, () => store.get("t/seed")),
      second.get("t/seed"),
    ]);
    expect(seen.auths).toBe(1);
  });

  it("renews an expiring token once, before it expires, with requests in flight", async () => {
    const before = seen.auths;
    clock += 56 * 60_000; // Keystone tokens live one hour: within five minutes of the end
    await Promise.all(Array.from({ length: 5 }, () => store.get("t/seed")));
    expect(seen.auths).toBe(before + 1);
  });

  it("survives the revocation of its token mid-run: re-authenticates on 401 and replays", async () => {
    const before = seen.auths;
    seen.revokeNext = true;
    clock += 2 * 3_600_000; // the cached token expired: the next request gets a new one, revoked at once
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      await store.put(`t/run-${i}`, `value ${i}`);
      results.push((await store.get(`t/run-${i}`)).toString());
    }
    expect(results).toEqual([
      "value 0",
      "value 1",
      "value 2",
      "value 3",
      "value 4",
    ]);
    expect(seen.statuses).toContain(401);
    expect(seen.auths).toBe(before + 2);
  });

  it("keeps working when the token in use is revoked", async () => {
    const { token } = await (
      await import("../src/auth/token-registry.js")
    )
      .tokenSession(shared)
      .get(
        { fetch: wrapped, now: () => clock },
        { retries: 0, minDelayMs: 1, maxDelayMs: 1 },
      );
    await revoke(token);
    for (let i = 0; i < 5; i++)
      expect((await store.get("t/seed")).toString()).toBe("seed");
  });
});

describe("tempauth", () => {
  it("answers E_PERMISSION to a wrong key, without echoing it", async () => {
    const store = createSwiftStore({
      container: "whatever",
      auth: { ...tempAuth, key: "not-the-key-77" },
    });
    const error = await store.get("a").catch((e: unknown) => e);
    expect(isStorageError(error, "E_PERMISSION")).toBe(true);
    expect(String(error)).not.toContain("not-the-key-77");
  });

  it("answers E_UNAVAILABLE when the auth server cannot be reached, after retries", async () => {
    const store = createSwiftStore({
      container: "x",
      auth: { ...tempAuth, authUrl: "http://127.0.0.1:1/auth/v1.0" },
      retry: { retries: 2, minDelayMs: 1 },
    });
    const error = await store.get("a").catch((e: unknown) => e);
    expect(isStorageError(error, "E_UNAVAILABLE")).toBe(true);
  });
});
