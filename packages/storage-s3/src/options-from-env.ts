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
>;

type Env = Readonly<Record<string, string | undefined>>;

const REGION = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Maps the operator's variables to store options. Reads only `AWS_HOST` (endpoint, `https://`
 * added when it has no scheme; unset = AWS), `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_BUCKETNAME` (`{db}` replaced by `context.dbName`). Pure:
 * pass `process.env` at your application's edge.
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
  const required = (name: string): string => {
    const value = env[name]?.trim() ?? "";
    if (value === "") problems.push({ name, problem: "is required" });
    return value;
  };
  const endpoint = parseHost(env["AWS_HOST"], problems);
  const region = required("AWS_REGION");
  if (region !== "" && !REGION.test(region))
    problems.push({
      name: "AWS_REGION",
      problem: `${JSON.stringify(region)} is not a region name (e.g. us-east-1, ch-gva-2)`,
    });
  const accessKeyId = required("AWS_ACCESS_KEY_ID");
  const secretAccessKey = required("AWS_SECRET_ACCESS_KEY");
  const template =
    context.bucketOptional === true
      ? (env["AWS_BUCKETNAME"]?.trim() ?? "")
      : required("AWS_BUCKETNAME");
  const bucket =
    template === "" && context.bucketOptional === true
      ? undefined
      : bucketFrom(template, context.dbName, problems);
  if (problems.length > 0) throw new S3ConfigError(problems);
  return {
    bucket,
    clientConfig: {
      region,
      credentials: { accessKeyId, secretAccessKey },
      ...(endpoint === undefined ? {} : { endpoint }),
    },
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
