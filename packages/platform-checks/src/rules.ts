/**
 * Stable ids of every rule {@link checkPlatform} and {@link probePlatform} apply. Pipelines
 * may match on these; messages may change.
 */
export const PlatformRule = {
  /** `ODOO_CLOUD_PLATFORM_UNSAFE` is on: every check was skipped (a warning). */
  Unsafe: "unsafe",
  /** `RUNNING_ENV` is none of prod, integration, test, dev, labs*. */
  EnvironmentUnknown: "environment.unknown",
  /** A boolean variable is not one of 1/true/yes/on/0/false/no/off. */
  FormatBoolean: "format.boolean",
  /** A port is not an integer in 1–65535. */
  FormatPort: "format.port",
  /** A duration in seconds is not a positive integer. */
  FormatSeconds: "format.seconds",
  /** A URL does not parse or has the wrong scheme. */
  FormatUrl: "format.url",
  /** A secret starts or ends with whitespace (a pasted newline). */
  FormatSecretWhitespace: "format.secret-whitespace",
  /** `CLOUD_PLATFORM_KIND` is neither `exoscale` nor `ovh`. */
  KindUnknown: "kind.unknown",
  /** `CLOUD_PLATFORM_KIND` differs from the kind recorded in the database. */
  KindMismatch: "kind.mismatch",
  /** No kind recorded (a problem on prod/integration, a warning elsewhere). */
  KindNotRecorded: "kind.not-recorded",
  /** prod/integration does not store attachments in the object store. */
  StorageObjectStoreRequired: "storage.object-store-required",
  /** `attachment.location` names the object store of the other kind. */
  StorageLocationKind: "storage.location-kind",
  /** A credential or the auth URL of the object store in use is missing. */
  StorageCredentialsRequired: "storage.credentials-required",
  /** No write bucket/container on prod, integration or labs. */
  StorageBucketRequired: "storage.bucket-required",
  /** prod's bucket/container is not `<client>-<app>-prod`. */
  StorageProdBucketShape: "storage.prod-bucket-shape",
  /** A non-prod environment writes into a prod-named bucket/container. */
  StorageNotProdBucket: "storage.not-prod-bucket",
  /** test neither uses the object store nor stores files in the database. */
  StorageTestDatabaseRequired: "storage.test-database-required",
  /** `SWIFT_TENANT_NAME` is used (a warning: deprecated alias). */
  StorageDeprecatedTenantName: "storage.deprecated-tenant-name",
  /** Redis sessions are off where they are required. */
  RedisRequired: "redis.required",
  /** No Redis host, sentinel or URL where Redis is required. */
  RedisHostRequired: "redis.host-required",
  /** Sentinel hosts without a master name. */
  RedisSentinelMasterRequired: "redis.sentinel-master-required",
  /** No Redis key prefix where Redis is required. */
  RedisPrefixRequired: "redis.prefix-required",
  /** The Redis prefix is not `<client>-<app>-<RUNNING_ENV>`. */
  RedisPrefixShape: "redis.prefix-shape",
  /** Redis sessions are on without `SESSION_SECRET`: front-ends could not read each other's cookies. */
  SessionSecretRequired: "session.secret-required",
  /** prod, integration or labs keeps the attachment index in a local SQLite file (or `DATABASE_URL` is unset). */
  IndexSharedDatabaseRequired: "index.shared-database-required",
  /** statsd is on without `STATSD_CUSTOMER`. */
  StatsdCustomerRequired: "statsd.customer-required",
  /** The Redis probe failed or timed out. */
  ProbeRedis: "probe.redis",
  /** The bucket/container probe failed or timed out. */
  ProbeBucket: "probe.bucket",
  /** The Keystone token probe failed or timed out. */
  ProbeKeystone: "probe.keystone",
  /** The index database probe failed or timed out. */
  ProbeDatabase: "probe.database",
} as const;

/** One of the values of {@link PlatformRule}. */
export type PlatformRule = (typeof PlatformRule)[keyof typeof PlatformRule];
