import { keyProblem } from "@cloud-platform/storage-core";
import {
  S3ConfigError,
  bucketNameProblem,
  type S3ConfigProblem,
} from "./config-error.js";
import { DEFAULT_RETRY } from "./retry-strategy.js";
import {
  MIN_PART_SIZE,
  type ResolvedS3Options,
  type S3StoreOptions,
} from "./options.js";

const positiveInt = (value: number): boolean =>
  Number.isSafeInteger(value) && value > 0;

/**
 * Fills in the defaults of {@link S3StoreOptions} and checks them.
 * @throws S3ConfigError listing every problem found.
 */
export function resolveS3Options(options: S3StoreOptions): ResolvedS3Options {
  const resolved: ResolvedS3Options = {
    bucket: options.bucket,
    prefix: options.prefix ?? "",
    createBucket: options.createBucket ?? false,
    serverSideEncryption: options.serverSideEncryption,
    sseKmsKeyId: options.sseKmsKeyId,
    deleteBatchSize: options.deleteBatchSize ?? 1000,
    partSize: options.multipart?.partSize ?? MIN_PART_SIZE,
    queueSize: options.multipart?.queueSize ?? 4,
    singleRequestMax: options.multipart?.singleRequestMax ?? 200 * 1024 * 1024,
    compat: {
      checksumWhenRequired: options.compat?.checksumWhenRequired ?? true,
      deleteObjectsContentMd5: options.compat?.deleteObjectsContentMd5 ?? true,
      forcePathStyle:
        options.compat?.forcePathStyle ??
        options.clientConfig?.endpoint !== undefined,
    },
    retry: { ...DEFAULT_RETRY, ...options.retry },
    connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    cleanupRetryMs: options.cleanupRetryMs ?? 600_000,
  };
  const problems = optionProblems(options, resolved);
  if (problems.length > 0) throw new S3ConfigError(problems);
  return resolved;
}

function optionProblems(
  options: S3StoreOptions,
  r: ResolvedS3Options,
): S3ConfigProblem[] {
  const problems: S3ConfigProblem[] = [];
  const add = (name: string, problem: string): void => {
    problems.push({ name, problem });
  };
  const bucketProblem =
    typeof r.bucket === "string" ? bucketNameProblem(r.bucket) : "is required";
  if (bucketProblem !== undefined) add("bucket", bucketProblem);
  if ((options.client === undefined) === (options.clientConfig === undefined))
    add("client", "give exactly one of client and clientConfig");
  if (
    r.prefix !== "" &&
    (!r.prefix.endsWith("/") || keyProblem(r.prefix.slice(0, -1)) !== undefined)
  ) {
    add(
      "prefix",
      'must be a valid key path ending with "/" (e.g. "attachments/")',
    );
  }
  if (!positiveInt(r.partSize) || r.partSize < MIN_PART_SIZE)
    add(
      "multipart.partSize",
      `must be an integer of at least ${MIN_PART_SIZE} (5 MiB)`,
    );
  if (
    r.sseKmsKeyId !== undefined &&
    (r.sseKmsKeyId === "" || !r.serverSideEncryption?.startsWith("aws:kms"))
  )
    add(
      "sseKmsKeyId",
      'needs serverSideEncryption "aws:kms" or "aws:kms:dsse" (and a key id)',
    );
  if (!positiveInt(r.deleteBatchSize) || r.deleteBatchSize > 1000)
    add("deleteBatchSize", "must be an integer from 1 to 1000");
  if (!positiveInt(r.queueSize))
    add("multipart.queueSize", "must be a positive integer");
  if (
    !Number.isSafeInteger(r.singleRequestMax) ||
    r.singleRequestMax < 0 ||
    r.singleRequestMax > 5 * 1024 ** 3
  )
    add("multipart.singleRequestMax", "must be an integer from 0 to 5 GiB");
  if (!positiveInt(r.retry.maxAttempts))
    add("retry.maxAttempts", "must be a positive integer");
  for (const name of ["baseDelayMs", "maxDelayMs"] as const) {
    if (!(Number.isFinite(r.retry[name]) && r.retry[name] >= 0))
      add(`retry.${name}`, "must be a non-negative number");
  }
  for (const name of [
    "connectionTimeoutMs",
    "requestTimeoutMs",
    "cleanupRetryMs",
  ] as const) {
    if (!(Number.isFinite(r[name]) && r[name] >= 0))
      add(name, "must be a non-negative number");
  }
  return problems;
}
