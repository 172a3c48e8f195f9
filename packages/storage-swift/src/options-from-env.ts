import { createEnvReader, type Env } from "@cloud-platform/env";
import { SwiftConfigError, type SwiftConfigProblem } from "./errors.js";
import type {
  KeystoneApplicationCredentialAuthOptions,
  SwiftAuthOptions,
  SwiftStoreOptions,
} from "./options.js";
import { containerProblem, urlProblem } from "./resolve-options.js";

/** Options of {@link swiftOptionsFromEnv}. */
export interface SwiftEnvOptions {
  /** The database name that replaces `{db}` in `SWIFT_WRITE_CONTAINER`. */
  dbName: string;
  /** Told about deprecated variables (`SWIFT_TENANT_NAME`). @default no warning */
  onWarning?: (message: string) => void;
  /**
   * An unset or empty `SWIFT_WRITE_CONTAINER` is no problem: it means "no write container"
   * (read only) and the result's `container` is `undefined`. @default false (required)
   */
  containerOptional?: boolean;
}

/** {@link swiftOptionsFromEnv} with `containerOptional`: `container` is `undefined` when unset. */
export type SwiftReadOnlyStoreOptions = Omit<SwiftStoreOptions, "container"> & {
  container: string | undefined;
};

const TEMPAUTH_URL = /\/auth\/v1\.0\/?$/;

/**
 * Maps the operator's variables to {@link SwiftStoreOptions} (a pure function: pass
 * `process.env`). `SWIFT_AUTH_URL` ending in `/auth/v1.0` means tempauth (`SWIFT_ACCOUNT`
 * is `account:user`, `SWIFT_PASSWORD` the key); anything else means Keystone v3 with the
 * user and the project in the default domain, `SWIFT_PROJECT_NAME` (or the deprecated
 * `SWIFT_TENANT_NAME`) and `SWIFT_REGION_NAME`. With `SWIFT_APPLICATION_CREDENTIAL_ID` (or
 * `SWIFT_APPLICATION_CREDENTIAL_NAME` and the owner in `SWIFT_ACCOUNT`) and
 * `SWIFT_APPLICATION_CREDENTIAL_SECRET`, Keystone authenticates the application credential
 * instead (no password, no project: it is bound to its own). `SWIFT_WRITE_CONTAINER` has `{db}`
 * replaced by `dbName`. The result leaves `createContainer` off.
 *
 * @throws {SwiftConfigError} listing every problem at once, naming variables, never values.
 */
export function swiftOptionsFromEnv(
  env: Env,
  options: SwiftEnvOptions & { containerOptional?: false },
): SwiftStoreOptions;
export function swiftOptionsFromEnv(
  env: Env,
  options: SwiftEnvOptions & { containerOptional: true },
): SwiftReadOnlyStoreOptions;
export function swiftOptionsFromEnv(
  env: Env,
  options: SwiftEnvOptions,
): SwiftReadOnlyStoreOptions {
  const problems: SwiftConfigProblem[] = [];
  // The platform's one trim policy: surrounding whitespace dropped, empty counts as unset.
  const reader = createEnvReader(env);
  const read = (name: string): string | undefined => reader.text(name);
  const need = (name: string): string => {
    const value = read(name);
    if (value === undefined) problems.push({ name, message: "required" });
    return value ?? "";
  };
  const authUrl = need("SWIFT_AUTH_URL");
  const urlIssue = authUrl === "" ? undefined : urlProblem(authUrl);
  if (urlIssue !== undefined)
    problems.push({ name: "SWIFT_AUTH_URL", message: urlIssue });
  const applicationCredential = applicationCredentialFrom(
    read,
    TEMPAUTH_URL.test(authUrl),
    problems,
  );
  let auth: SwiftAuthOptions;
  if (applicationCredential !== undefined) {
    auth = { authUrl, ...applicationCredential };
    const region = read("SWIFT_REGION_NAME");
    if (region !== undefined) auth.region = region;
  } else if (TEMPAUTH_URL.test(authUrl)) {
    const account = need("SWIFT_ACCOUNT");
    const password = need("SWIFT_PASSWORD");
    auth = { type: "tempauth", authUrl, user: account, key: password };
  } else {
    const project = read("SWIFT_PROJECT_NAME");
    const tenant = read("SWIFT_TENANT_NAME");
    if (project === undefined && tenant !== undefined) {
      options.onWarning?.(
        "SWIFT_TENANT_NAME is deprecated: use SWIFT_PROJECT_NAME",
      );
    } else if (project !== undefined && tenant !== undefined) {
      options.onWarning?.(
        "SWIFT_TENANT_NAME is deprecated and ignored: SWIFT_PROJECT_NAME is set",
      );
    }
    const projectName = project ?? tenant;
    const account = need("SWIFT_ACCOUNT");
    const password = need("SWIFT_PASSWORD");
    if (projectName === undefined)
      problems.push({
        name: "SWIFT_PROJECT_NAME",
        message: "required for Keystone (or the deprecated SWIFT_TENANT_NAME)",
      });
    auth = {
      type: "keystone",
      authUrl,
      username: account,
      password,
      projectName: projectName ?? "",
    };
    const region = read("SWIFT_REGION_NAME");
    if (region !== undefined) auth.region = region;
  }
  const optional = options.containerOptional === true;
  const template = optional
    ? (read("SWIFT_WRITE_CONTAINER") ?? "")
    : need("SWIFT_WRITE_CONTAINER");
  const container =
    optional && template === ""
      ? undefined
      : containerFrom(template, options.dbName, problems);
  if (problems.length > 0) throw new SwiftConfigError(problems);
  return { container, auth };
}

/**
 * Keystone application credentials (`SWIFT_APPLICATION_CREDENTIAL_ID`, or `_NAME` with the
 * owner in `SWIFT_ACCOUNT`, and `_SECRET`), or `undefined` when none is configured.
 */
function applicationCredentialFrom(
  read: (name: string) => string | undefined,
  tempauth: boolean,
  problems: SwiftConfigProblem[],
): Omit<KeystoneApplicationCredentialAuthOptions, "authUrl"> | undefined {
  const id = read("SWIFT_APPLICATION_CREDENTIAL_ID");
  const name = read("SWIFT_APPLICATION_CREDENTIAL_NAME");
  const secret = read("SWIFT_APPLICATION_CREDENTIAL_SECRET");
  if (id === undefined && name === undefined) {
    if (secret !== undefined)
      problems.push({
        name: "SWIFT_APPLICATION_CREDENTIAL_SECRET",
        message:
          "set without SWIFT_APPLICATION_CREDENTIAL_ID (or _NAME with SWIFT_ACCOUNT)",
      });
    return undefined;
  }
  const which =
    id === undefined
      ? "SWIFT_APPLICATION_CREDENTIAL_NAME"
      : "SWIFT_APPLICATION_CREDENTIAL_ID";
  if (tempauth)
    problems.push({
      name: which,
      message:
        "application credentials are Keystone's: SWIFT_AUTH_URL is a tempauth (/auth/v1.0) URL",
    });
  if (secret === undefined)
    problems.push({
      name: "SWIFT_APPLICATION_CREDENTIAL_SECRET",
      message: `required with ${which}`,
    });
  const username = read("SWIFT_ACCOUNT");
  if (id === undefined && username === undefined)
    problems.push({
      name: "SWIFT_ACCOUNT",
      message:
        "required with SWIFT_APPLICATION_CREDENTIAL_NAME (the user owning the credential)",
    });
  return {
    type: "application-credential",
    secret: secret ?? "",
    ...(id === undefined ? { name: name ?? "" } : { id }),
    ...(id === undefined && username !== undefined ? { username } : {}),
  };
}

function containerFrom(
  template: string,
  dbName: string,
  problems: SwiftConfigProblem[],
): string {
  if (template === "") return "";
  if (
    template.includes("{db}") &&
    (typeof dbName !== "string" || dbName === "")
  ) {
    problems.push({
      name: "SWIFT_WRITE_CONTAINER",
      message: "contains {db} but no database name was given",
    });
    return "";
  }
  const container = template.replaceAll("{db}", dbName);
  const issue = containerProblem(container);
  if (issue !== undefined)
    problems.push({ name: "SWIFT_WRITE_CONTAINER", message: issue });
  return container;
}
