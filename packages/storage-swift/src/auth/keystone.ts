import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";
import type {
  KeystoneApplicationCredentialAuthOptions,
  KeystoneAuthOptions,
} from "../options.js";
import { authFailure, authUnreachable } from "./auth-errors.js";
import type { AuthContext, SwiftToken } from "./token.js";

interface CatalogEndpoint {
  interface?: string;
  region?: string;
  region_id?: string;
  url?: string;
}
interface KeystoneTokenBody {
  token?: {
    expires_at?: string;
    issued_at?: string;
    catalog?: { type?: string; endpoints?: CatalogEndpoint[] }[];
  };
}

const domain = (
  id: string | undefined,
  name: string | undefined,
): { id: string } | { name: string } =>
  id !== undefined ? { id } : { name: name ?? "Default" };

/** The `/auth/tokens` URL of a Keystone identity URL, adding `/v3` when it is missing. */
export function keystoneTokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, "");
  return `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
}

type KeystoneOptions =
  KeystoneAuthOptions | KeystoneApplicationCredentialAuthOptions;

/** The `auth` body of a token request, and who asks (for messages: names and ids, no secret). */
function tokenRequest(options: KeystoneOptions): {
  body: unknown;
  who: string;
} {
  if (options.type === "application-credential") {
    const credential =
      options.id !== undefined && options.id !== ""
        ? { id: options.id, secret: options.secret }
        : {
            name: options.name,
            secret: options.secret,
            user: {
              name: options.username,
              domain: domain(options.userDomainId, options.userDomainName),
            },
          };
    // No scope: an application credential is bound to the project it was made for.
    return {
      body: {
        auth: {
          identity: {
            methods: ["application_credential"],
            application_credential: credential,
          },
        },
      },
      who: `Keystone application credential ${JSON.stringify(options.id ?? options.name)}${options.id === undefined ? ` of user ${JSON.stringify(options.username)}` : ""}`,
    };
  }
  return {
    body: {
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: {
              name: options.username,
              password: options.password,
              domain: domain(options.userDomainId, options.userDomainName),
            },
          },
        },
        scope: {
          project: {
            name: options.projectName,
            domain: domain(options.projectDomainId, options.projectDomainName),
          },
        },
      },
    },
    who: `Keystone user ${JSON.stringify(options.username)} (project ${JSON.stringify(options.projectName)})`,
  };
}

/**
 * Keystone v3 authentication, by password (scoped to a project) or by application
 * credential; the storage URL comes from the catalogue.
 */
export async function keystoneAuthenticate(
  options: KeystoneOptions,
  context: AuthContext,
): Promise<SwiftToken> {
  const { body, who } = tokenRequest(options);
  const issuedAt = context.now();
  let response: Response;
  try {
    response = await context.fetch(keystoneTokensUrl(options.authUrl), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(body),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  } catch (error) {
    throw authUnreachable(who, error);
  }
  const token = response.headers.get("x-subject-token");
  if (response.status !== 201 && response.status !== 200)
    throw await authFailure(who, response);
  const parsed = (await response.json()) as KeystoneTokenBody;
  if (!token)
    throw new StorageError(
      StorageErrorCode.Unavailable,
      `${who}: Keystone answered without X-Subject-Token`,
      { store: "swift" },
    );
  // The lifetime counts from our own clock: the server's may be off from ours.
  const life =
    Date.parse(parsed.token?.expires_at ?? "") -
    Date.parse(parsed.token?.issued_at ?? "");
  return {
    token,
    storageUrl: pickEndpoint(parsed, options, who),
    issuedAt,
    expiresAt:
      issuedAt + (Number.isFinite(life) && life > 0 ? life : 3_600_000),
  };
}

function pickEndpoint(
  body: KeystoneTokenBody,
  options: Pick<KeystoneOptions, "region" | "interface">,
  who: string,
): string {
  const wanted = options.interface ?? "public";
  const endpoints = (body.token?.catalog ?? [])
    .filter((service) => service.type === "object-store")
    .flatMap((service) => service.endpoints ?? [])
    .filter((e) => e.interface === wanted && typeof e.url === "string")
    .filter(
      (e) =>
        options.region === undefined ||
        e.region === options.region ||
        e.region_id === options.region,
    );
  const regions = [
    ...new Set(endpoints.map((e) => e.region ?? e.region_id ?? "?")),
  ];
  const where = `${wanted} object-store endpoint${options.region === undefined ? "" : ` in region ${JSON.stringify(options.region)}`}`;
  if (endpoints.length === 0) {
    throw new StorageError(
      StorageErrorCode.NotConfigured,
      `${who}: the catalogue has no ${where}`,
      { store: "swift" },
    );
  }
  if (regions.length > 1) {
    throw new StorageError(
      StorageErrorCode.NotConfigured,
      `${who}: the catalogue has a ${where} in several regions (${regions.join(", ")}); set the region`,
      { store: "swift" },
    );
  }
  return (endpoints[0]?.url ?? "").replace(/\/+$/, "");
}
