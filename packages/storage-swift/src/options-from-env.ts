import { createEnvReader, type Env } from "@cloud-platform/env";
import { SwiftConfigError, type SwiftConfigProblem } from "./errors.js";
import type { SwiftAuthOptions, SwiftStoreOptions } from "./options.js";
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
 * `SWIFT_TENANT_NAME`) and `SWIFT_REGION_NAME`. `SWIFT_WRITE_CONTAINER` has `{db}`
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
  const account = need("SWIFT_ACCOUNT");
  const password = need("SWIFT_PASSWORD");
  let auth: SwiftAuthOptions;
  if (TEMPAUTH_URL.test(authUrl)) {
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
