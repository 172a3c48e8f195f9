import { createEnvReader, type Env, type EnvReader } from "@cloud-platform/env";
import {
  S3ConfigError,
  bucketNameProblem,
  type S3ConfigProblem,
} from "./config-error.js";
import type { S3StoreOptions } from "./options.js";

/** What {@link s3OptionsFromEnv} needs beyond the environment. */
export interface S3EnvContext {
  /** Database name that replaces `{db}` in `AWS_BUCKETNAME` (the index database's name). */
  dbName?: string;
  /**
   * An unset or empty `AWS_BUCKETNAME` is no problem: it means "no write bucket" (read only)
   * and the result's `bucket` is `undefined`. @default false (the bucket is required)
   */
  bucketOptional?: boolean;
}

/** {@link s3OptionsFromEnv} with `bucketOptional`: `bucket` is `undefined` when unset (read only). */
export type S3ReadOnlyEnvOptions = Omit<S3EnvOptions, "bucket"> & {
  bucket: string | undefined;
};

/** The store options {@link s3OptionsFromEnv} derives: pass them to `createS3Store`, adding your own. */
export type S3EnvOptions = Required<
  Pick<S3StoreOptions, "bucket" | "clientConfig">
> &
  Pick<S3StoreOptions, "serverSideEncryption" | "sseKmsKeyId">;

const REGION = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const SSE_VALUES = ["AES256", "aws:kms"] as const;

/**
 * Maps the operator's variables to store options. Reads only `AWS_HOST` (endpoint, `https://`
 * added when it has no scheme; unset = AWS), `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` (both, or neither: then the client takes the AWS SDK's default
 * credential chain: web identity token file, container credentials, shared config/profile,
 * instance metadata), `AWS_BUCKETNAME` (`{db}` replaced by `context.dbName`), `AWS_SSE`
 * (`AES256` | `aws:kms`) and `AWS_SSE_KMS_KEY_ID` (only with `aws:kms`). Pure: pass
 * `process.env` at your application's edge.
 * @throws S3ConfigError listing every missing or malformed variable at once; secret values
 *   are never part of the message.
 */
export function s3OptionsFromEnv(
  env: Env,
  context?: S3EnvContext & { bucketOptional?: false },
): S3EnvOptions;
export function s3OptionsFromEnv(
  env: Env,
  context: S3EnvContext & { bucketOptional: true },
): S3ReadOnlyEnvOptions;
export function s3OptionsFromEnv(
  env: Env,
  context: S3EnvContext = {},
): S3ReadOnlyEnvOptions {
  const problems: S3ConfigProblem[] = [];
  const read = createEnvReader(env);
  const required = (name: string): string => {
    const value = read.text(name) ?? "";
    if (value === "") problems.push({ name, problem: "is required" });
    return value;
  };
  const endpoint = parseHost(read.text("AWS_HOST"), problems);
  const region = required("AWS_REGION");
  if (region !== "" && !REGION.test(region))
    problems.push({
      name: "AWS_REGION",
      problem: `${JSON.stringify(region)} is not a region name (e.g. us-east-1, ch-gva-2)`,
    });
  const credentials = staticCredentials(read, problems);
  const template =
    context.bucketOptional === true
      ? (read.text("AWS_BUCKETNAME") ?? "")
      : required("AWS_BUCKETNAME");
  const bucket =
    template === "" && context.bucketOptional === true
      ? undefined
      : bucketFrom(template, context.dbName, problems);
  const encryption = encryptionFrom(read, problems);
  if (problems.length > 0) throw new S3ConfigError(problems);
  return {
    bucket,
    clientConfig: {
      region,
      // No credentials: the SDK resolves (and refreshes) them through its default chain.
      ...(credentials === undefined ? {} : { credentials }),
      ...(endpoint === undefined ? {} : { endpoint }),
    },
    ...encryption,
  };
}

/** Both static keys, or neither (the SDK's default chain); one alone is a mistake. */
function staticCredentials(
  read: EnvReader,
  problems: S3ConfigProblem[],
): { accessKeyId: string; secretAccessKey: string } | undefined {
  const accessKeyId = read.text("AWS_ACCESS_KEY_ID") ?? "";
  const secretAccessKey = read.text("AWS_SECRET_ACCESS_KEY") ?? "";
  if (accessKeyId === "" && secretAccessKey === "") return undefined;
  for (const [name, value] of [
    ["AWS_ACCESS_KEY_ID", accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", secretAccessKey],
  ] as const) {
    if (value === "")
      problems.push({
        name,
        problem:
          "is required with the other static key (or unset both to use the AWS SDK's default credential chain)",
      });
  }
  return { accessKeyId, secretAccessKey };
}

function encryptionFrom(
  read: EnvReader,
  problems: S3ConfigProblem[],
): Pick<S3StoreOptions, "serverSideEncryption" | "sseKmsKeyId"> {
  const sse = read.text("AWS_SSE") ?? "";
  const keyId = read.text("AWS_SSE_KMS_KEY_ID") ?? "";
  const known = SSE_VALUES.find((value) => value === sse);
  if (sse !== "" && known === undefined)
    problems.push({
      name: "AWS_SSE",
      problem: `must be ${SSE_VALUES.join(" or ")} (or unset: no server-side encryption asked)`,
    });
  if (keyId !== "" && known !== "aws:kms")
    problems.push({
      name: "AWS_SSE_KMS_KEY_ID",
      problem: "is used only with AWS_SSE=aws:kms",
    });
  return {
    ...(known === undefined ? {} : { serverSideEncryption: known }),
    ...(keyId === "" || known !== "aws:kms" ? {} : { sseKmsKeyId: keyId }),
  };
}

function parseHost(
  raw: string | undefined,
  problems: S3ConfigProblem[],
): string | undefined {
  const host = raw?.trim() ?? "";
  if (host === "") return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host)
    ? host
    : `https://${host}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new Error("scheme");
    if (url.username !== "" || url.password !== "") {
      problems.push({
        name: "AWS_HOST",
        problem:
          "must not contain credentials (use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
      });
      return undefined;
    }
    return withScheme.replace(/\/+$/, "");
  } catch {
    problems.push({
      name: "AWS_HOST",
      problem:
        "must be a host name or an http(s) URL, e.g. sos-ch-gva-2.exo.io",
    });
    return undefined;
  }
}

function bucketFrom(
  template: string,
  dbName: string | undefined,
  problems: S3ConfigProblem[],
): string {
  if (template === "") return "";
  if (template.includes("{db}") && (dbName === undefined || dbName === "")) {
    problems.push({
      name: "AWS_BUCKETNAME",
      problem: "contains {db} but no database name was given",
    });
    return "";
  }
  const bucket = template.replaceAll("{db}", dbName ?? "");
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined) problems.push({ name: "AWS_BUCKETNAME", problem });
  return bucket;
}
