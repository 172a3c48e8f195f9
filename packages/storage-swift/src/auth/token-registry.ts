import { createHash } from "node:crypto";
import type { SwiftAuthOptions } from "../options.js";
import { backoff, type RetryPolicy } from "../retry-strategy.js";
import { TransientAuthError } from "./auth-errors.js";
import { keystoneAuthenticate } from "./keystone.js";
import { tempAuthenticate } from "./tempauth.js";
import { renewAt, type AuthContext, type SwiftToken } from "./token.js";

/**
 * The token of one set of credentials, shared by every store that uses them: Keystone
 * rate-limits token requests, so one process asks once, not once per store or request.
 */
export interface TokenSession {
  /** A token that is valid for a while yet; authenticates (once, for all callers) when needed. */
  get(context: AuthContext, policy: RetryPolicy): Promise<SwiftToken>;
  /** Forgets `token` after the server refused it (a later `get` authenticates again). */
  invalidate(token: string): void;
}

// Keyed by a hash of the credentials, so no password sits in plain sight as a map key.
const sessions = new Map<string, TokenSession>();

/** The shared session of `auth`, created on first use. */
export function tokenSession(auth: SwiftAuthOptions): TokenSession {
  const id = credentialsId(auth);
  let session = sessions.get(id);
  if (!session) {
    session = createTokenSession(auth);
    sessions.set(id, session);
  }
  return session;
}

function credentialsId(auth: SwiftAuthOptions): string {
  if (auth.type === "application-credential")
    return hashOf([
      auth.type,
      auth.authUrl,
      auth.id,
      auth.name,
      auth.secret,
      auth.username,
      auth.userDomainId,
      auth.userDomainName,
      auth.region,
      auth.interface,
    ]);
  const parts =
    auth.type === "tempauth"
      ? [auth.type, auth.authUrl, auth.user, auth.key]
      : [
          auth.type,
          auth.authUrl,
          auth.username,
          auth.password,
          auth.projectName,
          auth.userDomainId,
          auth.userDomainName,
          auth.projectDomainId,
          auth.projectDomainName,
          auth.region,
          auth.interface,
        ];
  return hashOf(parts);
}

function hashOf(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

function createTokenSession(auth: SwiftAuthOptions): TokenSession {
  let current: SwiftToken | undefined;
  let pending: Promise<SwiftToken> | undefined;
  const authenticate = (context: AuthContext): Promise<SwiftToken> =>
    auth.type === "tempauth"
      ? tempAuthenticate(auth, context)
      : keystoneAuthenticate(auth, context);

  const refresh = async (
    context: AuthContext,
    policy: RetryPolicy,
  ): Promise<SwiftToken> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await authenticate(context);
      } catch (error) {
        if (!(error instanceof TransientAuthError) || attempt > policy.retries)
          throw error;
        await backoff(policy, attempt, null, context.signal);
      }
    }
  };

  return {
    get(context, policy) {
      if (current && context.now() < renewAt(current))
        return Promise.resolve(current);
      // The first caller authenticates; the others wait for the same answer. The request is
      // not tied to one caller's AbortSignal, since the others still want the token.
      pending ??= refresh({ fetch: context.fetch, now: context.now }, policy)
        .then((token) => {
          current = token;
          return token;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}
