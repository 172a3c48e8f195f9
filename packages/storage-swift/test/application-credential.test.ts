import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { setTimeout as sleep } from "node:timers/promises";
import { createSwiftStore, swiftOptionsFromEnv } from "../src/index.js";
import { dropContainer, keystoneAuth } from "./helpers.js";

const ks = testEndpoints().keystone;
const identity = ks.authUrl.replace(/\/+$/, "");

interface ApplicationCredential {
  id: string;
  name: string;
  secret: string;
  userId: string;
}

/** A user token of the test user, and the user's id (application credentials hang off it). */
async function userToken(): Promise<{ token: string; userId: string }> {
  const response = await fetch(`${identity}/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: {
              name: ks.user,
              password: ks.password,
              domain: { id: ks.domain },
            },
          },
        },
        scope: {
          project: { name: ks.projectName, domain: { id: ks.domain } },
        },
      },
    }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { token: { user: { id: string } } };
  return {
    token: response.headers.get("x-subject-token") ?? "",
    userId: body.token.user.id,
  };
}

/** Creates an application credential of the test user through Keystone's API. */
async function createApplicationCredential(): Promise<ApplicationCredential> {
  const { token, userId } = await userToken();
  const name = uniqueName("cp-app-cred");
  // The local Keystone's sqlite answers a write 500 "database is locked" now and then.
  let response: Response | undefined;
  for (let attempt = 1; attempt <= 5; attempt++) {
    response = await fetch(
      `${identity}/users/${userId}/application_credentials`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-auth-token": token },
        // Expires on its own should the clean-up fail (see deleteApplicationCredential).
        body: JSON.stringify({
          application_credential: {
            name,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          },
        }),
      },
    );
    if (response.status !== 500) break;
    await sleep(1000);
  }
  if (response === undefined) throw new Error("no answer from Keystone");
  expect(response.status).toBe(201);
  const { application_credential: made } = (await response.json()) as {
    application_credential: { id: string; secret: string };
  };
  return { id: made.id, name, secret: made.secret, userId };
}

/**
 * Deletes the credential. The local Keystone (sqlite, Debian's Zed) has been seen answering
 * this DELETE 500 "database is locked" again and again while creating and using credentials
 * worked; the credential then expires within the hour (`expires_at`), which is the clean-up.
 */
async function deleteApplicationCredential(
  credential: ApplicationCredential,
): Promise<void> {
  const { token } = await userToken();
  for (let attempt = 1; attempt <= 2; attempt++) {
    const response = await fetch(
      `${identity}/users/${credential.userId}/application_credentials/${credential.id}`,
      { method: "DELETE", headers: { "x-auth-token": token } },
    );
    if (response.status !== 500) {
      expect([204, 404]).toContain(response.status);
      return;
    }
    await sleep(500);
  }
}

describe("Keystone application credentials", () => {
  const container = uniqueName("swift-appcred");
  let credential: ApplicationCredential;

  beforeAll(async () => {
    credential = await createApplicationCredential();
  });

  afterAll(async () => {
    await dropContainer(keystoneAuth, container);
    // `credential` is unset when the set-up failed.
    if ((credential as ApplicationCredential | undefined) !== undefined)
      await deleteApplicationCredential(credential);
  });

  it("authenticates by id and secret, with no password and no project", async () => {
    const store = createSwiftStore({
      container,
      createContainer: true,
      auth: {
        type: "application-credential",
        authUrl: ks.authUrl,
        id: credential.id,
        secret: credential.secret,
        region: ks.region,
      },
    });
    await store.put("app/one.txt", "by id");
    expect((await store.get("app/one.txt")).toString()).toBe("by id");
  });

  it("authenticates by name with the owning user", async () => {
    const store = createSwiftStore({
      container,
      auth: {
        type: "application-credential",
        authUrl: ks.authUrl,
        name: credential.name,
        username: ks.user,
        userDomainId: ks.domain,
        secret: credential.secret,
      },
    });
    expect((await store.get("app/one.txt")).toString()).toBe("by id");
  });

  it("is what swiftOptionsFromEnv maps SWIFT_APPLICATION_CREDENTIAL_ID and _SECRET to", async () => {
    const store = createSwiftStore(
      swiftOptionsFromEnv(
        {
          SWIFT_AUTH_URL: ks.authUrl,
          SWIFT_APPLICATION_CREDENTIAL_ID: credential.id,
          SWIFT_APPLICATION_CREDENTIAL_SECRET: credential.secret,
          SWIFT_REGION_NAME: ks.region,
          SWIFT_WRITE_CONTAINER: container,
        },
        { dbName: "x" },
      ),
    );
    await store.put("app/env.txt", "from env");
    expect((await store.get("app/env.txt")).toString()).toBe("from env");
  });

  it("maps SWIFT_APPLICATION_CREDENTIAL_NAME with SWIFT_ACCOUNT too", async () => {
    const store = createSwiftStore(
      swiftOptionsFromEnv(
        {
          SWIFT_AUTH_URL: ks.authUrl,
          SWIFT_ACCOUNT: ks.user,
          SWIFT_APPLICATION_CREDENTIAL_NAME: credential.name,
          SWIFT_APPLICATION_CREDENTIAL_SECRET: credential.secret,
          SWIFT_WRITE_CONTAINER: container,
        },
        { dbName: "x" },
      ),
    );
    expect((await store.get("app/env.txt")).toString()).toBe("from env");
  });

  it("answers E_PERMISSION to a wrong secret, without the secret in the error", async () => {
    // Keystone hashes secrets with bcrypt, which reads only the first 72 bytes: change the start.
    const wrong = `XXXX${credential.secret.slice(4)}`;
    const store = createSwiftStore({
      container,
      auth: {
        type: "application-credential",
        authUrl: ks.authUrl,
        id: credential.id,
        secret: wrong,
      },
    });
    const error: unknown = await store
      .get("app/one.txt")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_PERMISSION" });
    const text = `${String(error)} ${JSON.stringify(error)}`;
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(credential.secret.slice(0, 12));
  });
});
