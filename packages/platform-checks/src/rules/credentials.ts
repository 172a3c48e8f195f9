import { PlatformRule } from "../rules.js";
import type { RuleContext } from "./context.js";
import type { StoreSpec } from "./stores.js";

const S3_SOURCES =
  "a credential source of the AWS SDK's default chain: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (IRSA), AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS, EKS Pod Identity), or AWS_PROFILE";
const TEMPAUTH_URL = /\/auth\/v1\.0\/?$/;

type Missing = (variable: string, message: string, hint: string) => void;

/**
 * S3: both static keys, or none and a configured credential source (the SDK's chain then
 * finds the role's credentials). Instance metadata alone sets no variable, so it cannot be
 * told apart from a forgotten configuration.
 */
function checkS3Credentials(
  ctx: RuleContext,
  where: string,
  missing: Missing,
): void {
  const set = (name: string): boolean => ctx.values.credentialsSet.has(name);
  const keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
  if (keys.some(set)) {
    for (const name of keys.filter((n) => !set(n)))
      missing(
        name,
        `${name} is not set, but the other static key is, and ${where}.`,
        `Set ${name} too (from the exoscale account of this instance), or unset both to use ${S3_SOURCES}.`,
      );
    return;
  }
  const webIdentity = ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"];
  if (webIdentity.some(set)) {
    for (const name of webIdentity.filter((n) => !set(n)))
      missing(
        name,
        `${name} is not set: web identity credentials need both AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, and ${where}.`,
        `Set ${name} (a Kubernetes service account with an IAM role sets both).`,
      );
    return;
  }
  const sources = [
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_PROFILE",
  ];
  if (sources.some(set)) return;
  for (const name of keys)
    missing(
      name,
      `${name} is not set and no other credential source is configured, but ${where}.`,
      `Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure ${S3_SOURCES}.`,
    );
}

/** Swift: the auth URL, and a password or a Keystone application credential. */
function checkSwiftCredentials(
  ctx: RuleContext,
  where: string,
  missing: Missing,
): void {
  const set = (name: string): boolean => ctx.values.credentialsSet.has(name);
  const authUrl = ctx.values.swift.authUrl;
  if (authUrl === undefined)
    missing(
      "SWIFT_AUTH_URL",
      `SWIFT_AUTH_URL is not set, but ${where}.`,
      "Set SWIFT_AUTH_URL (from the ovh account of this instance).",
    );
  const id = set("SWIFT_APPLICATION_CREDENTIAL_ID");
  const name = set("SWIFT_APPLICATION_CREDENTIAL_NAME");
  const secret = set("SWIFT_APPLICATION_CREDENTIAL_SECRET");
  if (!id && !name && !secret) {
    for (const v of ["SWIFT_ACCOUNT", "SWIFT_PASSWORD"].filter((n) => !set(n)))
      missing(
        v,
        `${v} is not set, but ${where}.`,
        `Set ${v} (from the ovh account of this instance), or use a Keystone application credential (SWIFT_APPLICATION_CREDENTIAL_ID and SWIFT_APPLICATION_CREDENTIAL_SECRET).`,
      );
    return;
  }
  const required: string[] = [];
  if (!id && !name) required.push("SWIFT_APPLICATION_CREDENTIAL_ID");
  if (!secret) required.push("SWIFT_APPLICATION_CREDENTIAL_SECRET");
  if (!id && name && !set("SWIFT_ACCOUNT")) required.push("SWIFT_ACCOUNT");
  for (const v of required)
    missing(
      v,
      `${v} is not set: a Keystone application credential needs its id (or its name with the user in SWIFT_ACCOUNT) and its secret, and ${where}.`,
      `Set ${v} (\`openstack application credential create\` prints the id and the secret).`,
    );
  if (authUrl !== undefined && TEMPAUTH_URL.test(authUrl))
    missing(
      "SWIFT_AUTH_URL",
      "SWIFT_AUTH_URL is a tempauth (/auth/v1.0) URL: application credentials are Keystone's.",
      "Point SWIFT_AUTH_URL at Keystone (…/v3), or use SWIFT_ACCOUNT and SWIFT_PASSWORD.",
    );
}

/** Credentials of the store in use: names each missing variable, never a value. */
export function checkCredentials(ctx: RuleContext, store: StoreSpec): void {
  const where = `the ${store.location} store is used on ${ctx.environment}`;
  const missing: Missing = (variable, message, hint) =>
    ctx.problem(
      PlatformRule.StorageCredentialsRequired,
      variable,
      message,
      hint,
    );
  if (store.kind === "exoscale") checkS3Credentials(ctx, where, missing);
  else checkSwiftCredentials(ctx, where, missing);
}
