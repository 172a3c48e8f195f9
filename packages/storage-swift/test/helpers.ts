import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import type { ObjectStore } from "@cloud-platform/storage-core";
import { keystoneAuthenticate } from "../src/auth/keystone.js";
import { tempAuthenticate } from "../src/auth/tempauth.js";
import type { SwiftToken } from "../src/auth/token.js";
import type {
  KeystoneAuthOptions,
  SwiftAuthOptions,
  SwiftStoreOptions,
  TempAuthOptions,
} from "../src/options.js";
import { createSwiftStore } from "../src/swift-store.js";

const ep = testEndpoints();

/** The local Swift's tempauth user. */
export const tempAuth: TempAuthOptions = {
  type: "tempauth",
  authUrl: ep.swiftV1.authUrl,
  user: ep.swiftV1.user,
  key: ep.swiftV1.key,
};

/** The local Keystone's user (the test domain is given by id). */
export const keystoneAuth: KeystoneAuthOptions = {
  type: "keystone",
  authUrl: ep.keystone.authUrl,
  username: ep.keystone.user,
  password: ep.keystone.password,
  projectName: ep.keystone.projectName,
  userDomainId: ep.keystone.domain,
  projectDomainId: ep.keystone.domain,
  region: ep.keystone.region,
};

/** A token of our own, outside the store's registry. */
export async function rawToken(auth: SwiftAuthOptions): Promise<SwiftToken> {
  const context = { fetch: globalThis.fetch, now: Date.now };
  return auth.type === "tempauth"
    ? tempAuthenticate(auth, context)
    : keystoneAuthenticate(auth, context);
}

/** A request straight to the account, for checks the store cannot make (segments, containers). */
export async function swiftRaw(
  auth: SwiftAuthOptions,
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const { token, storageUrl } = await rawToken(auth);
  return fetch(`${storageUrl}${path}`, {
    ...init,
    method,
    headers: {
      ...(init.headers as Record<string, string> | undefined),
      "x-auth-token": token,
    },
  });
}

/** Names in a container (all of them), or `undefined` when it does not exist. */
export async function containerNames(
  auth: SwiftAuthOptions,
  container: string,
  prefix = "",
): Promise<string[] | undefined> {
  const names: string[] = [];
  let marker = "";
  for (;;) {
    const query = new URLSearchParams({ format: "json", prefix, marker });
    const response = await swiftRaw(
      auth,
      "GET",
      `/${encodeURIComponent(container)}?${query.toString()}`,
    );
    if (response.status === 404) return undefined;
    if (response.status === 204) return names;
    const page = (await response.json()) as { name: string }[];
    if (page.length === 0) return names;
    names.push(...page.map((p) => p.name));
    marker = page.at(-1)!.name;
  }
}

/** Removes a container, its `_segments` container and everything in them. */
export async function dropContainer(
  auth: SwiftAuthOptions,
  container: string,
): Promise<void> {
  for (const name of [container, `${container}_segments`]) {
    const names = await containerNames(auth, name);
    if (names === undefined) continue;
    for (let i = 0; i < names.length; i += 1000) {
      const body = names
        .slice(i, i + 1000)
        .map(
          (n) =>
            `/${encodeURIComponent(name)}/${n.split("/").map(encodeURIComponent).join("/")}`,
        )
        .join("\n");
      const r = await swiftRaw(auth, "POST", "?bulk-delete", {
        body,
        headers: { "content-type": "text/plain", accept: "application/json" },
      });
      await r.text();
    }
    await (
      await swiftRaw(auth, "DELETE", `/${encodeURIComponent(name)}`)
    ).text();
  }
}

/** A store on a fresh, uniquely named container that it may create. */
export function freshStore(
  auth: SwiftAuthOptions,
  overrides: Partial<SwiftStoreOptions> = {},
): { store: ObjectStore; container: string } {
  const container = uniqueName("swift-test");
  const store = createSwiftStore({
    container,
    auth,
    createContainer: true,
    ...overrides,
  });
  return { store, container };
}
