import { describe, expect, it } from "@jest/globals";
import {
  checkPlatform,
  type AttachmentLocation,
  type CheckPlatformOptions,
  type PlatformEnv,
  type PlatformKind,
} from "../src/index.js";
import { goodEnv, goodRedis, goodS3, goodSwift } from "./fixtures.js";

interface Case {
  name: string;
  env: PlatformEnv;
  kind: PlatformKind | undefined;
  location: AttachmentLocation;
  /** Extra options (appName, recordedKind). */
  options?: Partial<CheckPlatformOptions>;
  /** Expected problems as `rule variable`, any order. */
  problems: string[];
  /** Expected warnings as `rule variable`, any order. @default [] */
  warnings?: string[];
}

const prodExo = goodEnv("prod", "exoscale");
const prodOvh = goodEnv("prod", "ovh");
const intExo = goodEnv("integration", "exoscale");
const intOvh = goodEnv("integration", "ovh");
const labsExo = goodEnv("labs-finance", "exoscale");
const testExo = goodEnv("test", "exoscale");
const testOvh = goodEnv("test", "ovh");
const redisOff = {
  ODOO_SESSION_REDIS: undefined,
  ODOO_SESSION_REDIS_HOST: undefined,
  ODOO_SESSION_REDIS_PREFIX: undefined,
};
const noSwift = {
  SWIFT_AUTH_URL: undefined,
  SWIFT_ACCOUNT: undefined,
  SWIFT_PASSWORD: undefined,
};

const noKeys = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
};
const irsa = {
  AWS_WEB_IDENTITY_TOKEN_FILE:
    "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
  AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/acme-odoo-prod",
};
const appCredential = {
  SWIFT_PASSWORD: undefined,
  SWIFT_APPLICATION_CREDENTIAL_ID: "0123456789abcdef",
  SWIFT_APPLICATION_CREDENTIAL_SECRET: "fixture-app-credential-secret",
};

const REDIS_ALL = [
  "redis.required ODOO_SESSION_REDIS",
  "redis.host-required ODOO_SESSION_REDIS_HOST",
  "redis.prefix-required ODOO_SESSION_REDIS_PREFIX",
];

const SQLITE = { DATABASE_URL: "./data/cloud-platform.sqlite" };
const NO_DATABASE_URL = { DATABASE_URL: undefined };
const SHARED_INDEX = "index.shared-database-required DATABASE_URL";

const cases: Case[] = [
  // The index database: shared (PostgreSQL) on prod, integration and labs.
  ...(
    [
      ["prod", prodExo],
      ["integration", intExo],
      ["labs", labsExo],
    ] as const
  ).flatMap(([where, env]): Case[] => [
    {
      name: `${where} with a SQLite index`,
      env: { ...env, ...SQLITE },
      kind: "exoscale",
      location: "s3",
      problems: [SHARED_INDEX],
    },
    {
      name: `${where} without DATABASE_URL (the embedded SQLite file)`,
      env: { ...env, ...NO_DATABASE_URL },
      kind: "exoscale",
      location: "s3",
      problems: [SHARED_INDEX],
    },
  ]),
  {
    name: "test with a SQLite index",
    env: { ...testExo, ...SQLITE },
    kind: "exoscale",
    location: "db",
    problems: [],
  },
  {
    name: "dev without DATABASE_URL",
    env: { RUNNING_ENV: "dev" },
    kind: undefined,
    location: "file",
    problems: [],
    warnings: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  // Credentials without static keys (the AWS SDK's chain) or without a password (Keystone).
  ...(
    [
      ["web identity (IRSA)", irsa],
      [
        "container credentials",
        { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:9911/creds" },
      ],
      [
        "ECS container credentials",
        { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" },
      ],
      ["a shared profile", { AWS_PROFILE: "acme" }],
    ] as const
  ).flatMap(([source, vars]): Case[] =>
    (
      [
        ["prod", prodExo],
        ["integration", intExo],
      ] as const
    ).map(([where, env]) => ({
      name: `${where} exoscale with ${source} instead of static keys`,
      env: { ...env, ...noKeys, ...vars },
      kind: "exoscale",
      location: "s3",
      problems: [],
    })),
  ),
  {
    name: "prod exoscale with a web identity token file but no role",
    env: { ...prodExo, ...noKeys, ...irsa, AWS_ROLE_ARN: undefined },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.credentials-required AWS_ROLE_ARN"],
  },
  {
    name: "integration exoscale with no static keys and no credential source",
    env: { ...intExo, ...noKeys },
    kind: "exoscale",
    location: "s3",
    problems: [
      "storage.credentials-required AWS_ACCESS_KEY_ID",
      "storage.credentials-required AWS_SECRET_ACCESS_KEY",
    ],
  },
  {
    name: "prod exoscale with a role and half a static key pair",
    env: { ...prodExo, ...irsa, AWS_SECRET_ACCESS_KEY: undefined },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.credentials-required AWS_SECRET_ACCESS_KEY"],
  },
  ...(
    [
      ["prod", prodOvh],
      ["integration", intOvh],
    ] as const
  ).map(([where, env]): Case => ({
    name: `${where} ovh with a Keystone application credential instead of a password`,
    env: { ...env, ...appCredential },
    kind: "ovh",
    location: "swift",
    problems: [],
  })),
  {
    name: "prod ovh with an application credential by name and no user",
    env: {
      ...prodOvh,
      ...appCredential,
      SWIFT_APPLICATION_CREDENTIAL_ID: undefined,
      SWIFT_APPLICATION_CREDENTIAL_NAME: "odoo-prod",
      SWIFT_ACCOUNT: undefined,
    },
    kind: "ovh",
    location: "swift",
    problems: ["storage.credentials-required SWIFT_ACCOUNT"],
  },
  {
    name: "prod ovh with an application credential secret alone",
    env: {
      ...prodOvh,
      ...appCredential,
      SWIFT_APPLICATION_CREDENTIAL_ID: undefined,
    },
    kind: "ovh",
    location: "swift",
    problems: ["storage.credentials-required SWIFT_APPLICATION_CREDENTIAL_ID"],
  },
  {
    name: "prod ovh with an application credential id and no secret",
    env: {
      ...prodOvh,
      ...appCredential,
      SWIFT_APPLICATION_CREDENTIAL_SECRET: undefined,
    },
    kind: "ovh",
    location: "swift",
    problems: [
      "storage.credentials-required SWIFT_APPLICATION_CREDENTIAL_SECRET",
    ],
  },
  {
    name: "prod ovh with an application credential on a tempauth URL",
    env: {
      ...prodOvh,
      ...appCredential,
      SWIFT_AUTH_URL: "https://swift.example/auth/v1.0",
    },
    kind: "ovh",
    location: "swift",
    problems: ["storage.credentials-required SWIFT_AUTH_URL"],
  },
  // prod × exoscale
  {
    name: "prod exoscale, complete",
    env: prodExo,
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "prod exoscale on the local filestore",
    env: prodExo,
    kind: "exoscale",
    location: "file",
    problems: ["storage.object-store-required attachment.location"],
  },
  {
    name: "prod exoscale in the database, secret key and bucket missing",
    env: { ...prodExo, AWS_SECRET_ACCESS_KEY: undefined, AWS_BUCKETNAME: "" },
    kind: "exoscale",
    location: "db",
    problems: [
      "storage.object-store-required attachment.location",
      "storage.credentials-required AWS_SECRET_ACCESS_KEY",
      "storage.bucket-required AWS_BUCKETNAME",
    ],
  },
  {
    name: "prod exoscale writing to an integration bucket",
    env: { ...prodExo, AWS_BUCKETNAME: "acme-odoo-integration" },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.prod-bucket-shape AWS_BUCKETNAME"],
  },
  {
    name: "prod exoscale bucket that only starts like a prod name",
    env: { ...prodExo, AWS_BUCKETNAME: "acme-odoo-prod-old" },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.prod-bucket-shape AWS_BUCKETNAME"],
  },
  {
    name: "prod exoscale upper-case bucket",
    env: { ...prodExo, AWS_BUCKETNAME: "ACME-odoo-prod" },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.prod-bucket-shape AWS_BUCKETNAME"],
  },
  {
    name: "prod exoscale legacy bucket with the unstructured bypass",
    env: {
      ...prodExo,
      AWS_BUCKETNAME: "legacy_bucket",
      AWS_BUCKETNAME_UNSTRUCTURED: "1",
    },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "prod exoscale bucket with a {db} placeholder",
    env: { ...prodExo, AWS_BUCKETNAME: "acme-{db}-prod" },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.prod-bucket-shape AWS_BUCKETNAME"],
  },
  {
    name: "prod exoscale {db} bucket with the unstructured bypass",
    env: {
      ...prodExo,
      AWS_BUCKETNAME: "acme-{db}",
      AWS_BUCKETNAME_UNSTRUCTURED: "True",
    },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "prod exoscale with the swift location",
    env: prodExo,
    kind: "exoscale",
    location: "swift",
    problems: ["storage.location-kind attachment.location"],
  },
  {
    name: "prod exoscale without Redis",
    env: { ...prodExo, ...redisOff },
    kind: "exoscale",
    location: "s3",
    problems: REDIS_ALL,
  },
  {
    name: "prod exoscale with Redis sessions and no SESSION_SECRET",
    env: { ...prodExo, SESSION_SECRET: undefined },
    kind: "exoscale",
    location: "s3",
    problems: ["session.secret-required SESSION_SECRET"],
  },
  {
    name: "dev with Redis sessions and no SESSION_SECRET",
    env: { RUNNING_ENV: "dev", ...goodRedis("dev"), SESSION_SECRET: undefined },
    kind: undefined,
    location: "file",
    problems: ["session.secret-required SESSION_SECRET"],
    warnings: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  {
    name: "prod exoscale with an integration Redis prefix",
    env: { ...prodExo, ODOO_SESSION_REDIS_PREFIX: "acme-odoo-integration" },
    kind: "exoscale",
    location: "s3",
    problems: ["redis.prefix-shape ODOO_SESSION_REDIS_PREFIX"],
  },
  {
    name: "prod exoscale for another app name",
    env: {
      ...prodExo,
      AWS_BUCKETNAME: "acme-shop-prod",
      ODOO_SESSION_REDIS_PREFIX: "acme-shop-prod",
    },
    kind: "exoscale",
    location: "s3",
    options: { appName: "shop" },
    problems: [],
  },
  {
    name: "prod exoscale with odoo names for another app",
    env: prodExo,
    kind: "exoscale",
    location: "s3",
    options: { appName: "shop" },
    problems: [
      "storage.prod-bucket-shape AWS_BUCKETNAME",
      "redis.prefix-shape ODOO_SESSION_REDIS_PREFIX",
    ],
  },
  {
    name: "prod with no recorded kind",
    env: prodExo,
    kind: undefined,
    location: "s3",
    problems: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  {
    name: "prod with no recorded kind on the filestore",
    env: prodExo,
    kind: undefined,
    location: "file",
    problems: [
      "kind.not-recorded CLOUD_PLATFORM_KIND",
      "storage.object-store-required attachment.location",
    ],
  },
  {
    name: "prod recorded exoscale deployed as ovh",
    env: { ...prodExo, CLOUD_PLATFORM_KIND: "ovh" },
    kind: "exoscale",
    location: "s3",
    problems: ["kind.mismatch CLOUD_PLATFORM_KIND"],
  },
  {
    name: "prod recorded exoscale deployed as exoscale",
    env: { ...prodExo, CLOUD_PLATFORM_KIND: "exoscale" },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "prod with an unknown CLOUD_PLATFORM_KIND",
    env: { ...prodExo, CLOUD_PLATFORM_KIND: "aws" },
    kind: "exoscale",
    location: "s3",
    problems: ["kind.unknown CLOUD_PLATFORM_KIND"],
  },
  {
    name: "prod with statsd on and no customer",
    env: { ...prodExo, ODOO_STATSD: "1" },
    kind: "exoscale",
    location: "s3",
    problems: ["statsd.customer-required STATSD_CUSTOMER"],
  },
  {
    name: "prod with statsd on and a customer",
    env: { ...prodExo, ODOO_STATSD: "on", STATSD_CUSTOMER: "acme" },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "prod with booleans in mixed case",
    env: {
      ...prodExo,
      ODOO_SESSION_REDIS: "TRUE",
      ODOO_STATSD: "Off",
      ODOO_LOGGING_JSON: "Yes",
    },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  // prod × ovh
  {
    name: "prod ovh, complete",
    env: prodOvh,
    kind: "ovh",
    location: "swift",
    problems: [],
  },
  {
    name: "prod ovh without password and auth URL",
    env: { ...prodOvh, SWIFT_PASSWORD: undefined, SWIFT_AUTH_URL: "" },
    kind: "ovh",
    location: "swift",
    problems: [
      "storage.credentials-required SWIFT_PASSWORD",
      "storage.credentials-required SWIFT_AUTH_URL",
    ],
  },
  {
    name: 'prod ovh with "maybe" Redis',
    env: { ...prodOvh, ODOO_SESSION_REDIS: "maybe" },
    kind: "ovh",
    location: "swift",
    problems: [
      "format.boolean ODOO_SESSION_REDIS",
      "redis.required ODOO_SESSION_REDIS",
    ],
  },
  {
    name: "prod ovh on the local filestore with nothing configured",
    env: { RUNNING_ENV: "prod", ...goodRedis("prod") },
    kind: "ovh",
    location: "file",
    problems: [
      "storage.object-store-required attachment.location",
      "storage.credentials-required SWIFT_AUTH_URL",
      "storage.credentials-required SWIFT_ACCOUNT",
      "storage.credentials-required SWIFT_PASSWORD",
      "storage.bucket-required SWIFT_WRITE_CONTAINER",
      "index.shared-database-required DATABASE_URL",
    ],
  },
  {
    name: "prod ovh without a container",
    env: { ...prodOvh, SWIFT_WRITE_CONTAINER: undefined },
    kind: "ovh",
    location: "swift",
    problems: ["storage.bucket-required SWIFT_WRITE_CONTAINER"],
  },
  {
    name: "prod ovh with the s3 location",
    env: prodOvh,
    kind: "ovh",
    location: "s3",
    problems: ["storage.location-kind attachment.location"],
  },
  {
    name: "prod ovh container named for labs",
    env: { ...prodOvh, SWIFT_WRITE_CONTAINER: "acme-odoo-labs" },
    kind: "ovh",
    location: "swift",
    problems: ["storage.prod-bucket-shape SWIFT_WRITE_CONTAINER"],
  },
  {
    name: "prod ovh legacy container with the unstructured bypass",
    env: {
      ...prodOvh,
      SWIFT_WRITE_CONTAINER: "Legacy.Container",
      SWIFT_WRITE_CONTAINER_UNSTRUCTURED: "yes",
    },
    kind: "ovh",
    location: "swift",
    problems: [],
  },
  {
    name: 'prod ovh with a "maybe" unstructured bypass',
    env: {
      ...prodOvh,
      SWIFT_WRITE_CONTAINER: "Legacy.Container",
      SWIFT_WRITE_CONTAINER_UNSTRUCTURED: "maybe",
    },
    kind: "ovh",
    location: "swift",
    problems: [
      "format.boolean SWIFT_WRITE_CONTAINER_UNSTRUCTURED",
      "storage.prod-bucket-shape SWIFT_WRITE_CONTAINER",
    ],
  },
  // integration
  {
    name: "integration exoscale, complete",
    env: intExo,
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "integration exoscale writing into the prod bucket",
    env: { ...intExo, AWS_BUCKETNAME: "acme-odoo-prod" },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.not-prod-bucket AWS_BUCKETNAME"],
  },
  {
    name: "integration exoscale prod bucket despite the unstructured bypass",
    env: {
      ...intExo,
      AWS_BUCKETNAME: "acme-odoo-prod",
      AWS_BUCKETNAME_UNSTRUCTURED: "1",
    },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.not-prod-bucket AWS_BUCKETNAME"],
  },
  {
    name: "integration exoscale reading prod read-only (no bucket)",
    env: { ...intExo, AWS_BUCKETNAME: undefined },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.bucket-required AWS_BUCKETNAME"],
  },
  {
    name: "integration exoscale in the database",
    env: intExo,
    kind: "exoscale",
    location: "db",
    problems: ["storage.object-store-required attachment.location"],
  },
  {
    name: "integration exoscale with a prod Redis prefix",
    env: { ...intExo, ODOO_SESSION_REDIS_PREFIX: "acme-odoo-prod" },
    kind: "exoscale",
    location: "s3",
    problems: ["redis.prefix-shape ODOO_SESSION_REDIS_PREFIX"],
  },
  {
    name: "integration ovh, complete",
    env: intOvh,
    kind: "ovh",
    location: "swift",
    problems: [],
  },
  {
    name: "integration ovh writing into the prod container",
    env: { ...intOvh, SWIFT_WRITE_CONTAINER: "acme-odoo-prod" },
    kind: "ovh",
    location: "swift",
    problems: ["storage.not-prod-bucket SWIFT_WRITE_CONTAINER"],
  },
  {
    name: "integration ovh {db} container that is prod-named for any database",
    env: { ...intOvh, SWIFT_WRITE_CONTAINER: "{db}-odoo-prod" },
    kind: "ovh",
    location: "swift",
    problems: ["storage.not-prod-bucket SWIFT_WRITE_CONTAINER"],
  },
  {
    name: "integration ovh {db} container with an ordinary shape",
    env: { ...intOvh, SWIFT_WRITE_CONTAINER: "acme-odoo-{db}" },
    kind: "ovh",
    location: "swift",
    problems: [],
  },
  {
    name: "integration with no recorded kind on the filestore",
    env: intOvh,
    kind: undefined,
    location: "file",
    problems: [
      "kind.not-recorded CLOUD_PLATFORM_KIND",
      "storage.object-store-required attachment.location",
    ],
  },
  // labs
  {
    name: "labs-finance exoscale, complete",
    env: labsExo,
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "labs-finance takes the labs Redis prefix, as any labs* environment",
    env: { ...labsExo, ODOO_SESSION_REDIS_PREFIX: "acme-odoo-labs" },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "labs-42 with RUNNING_ENV itself in the Redis prefix",
    env: {
      ...goodEnv("labs-42", "exoscale"),
      ODOO_SESSION_REDIS_PREFIX: "acme-odoo-labs-42",
    },
    kind: "exoscale",
    location: "s3",
    problems: ["redis.prefix-shape ODOO_SESSION_REDIS_PREFIX"],
  },
  {
    name: "labs exoscale on the object store without a bucket",
    env: { ...goodEnv("labs", "exoscale"), AWS_BUCKETNAME: undefined },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.bucket-required AWS_BUCKETNAME"],
  },
  {
    name: "labs exoscale in the database without a bucket",
    env: { ...goodEnv("labs", "exoscale"), AWS_BUCKETNAME: undefined },
    kind: "exoscale",
    location: "db",
    problems: [],
  },
  {
    name: "labs ovh writing into the prod container",
    env: { ...goodEnv("labs", "ovh"), SWIFT_WRITE_CONTAINER: "acme-odoo-prod" },
    kind: "ovh",
    location: "swift",
    problems: ["storage.not-prod-bucket SWIFT_WRITE_CONTAINER"],
  },
  {
    name: "labs without Redis",
    env: { ...goodEnv("labs", "ovh"), ...redisOff },
    kind: "ovh",
    location: "swift",
    problems: REDIS_ALL,
  },
  {
    name: "labs with no recorded kind only warns",
    env: goodEnv("labs", "ovh"),
    kind: undefined,
    location: "db",
    problems: [],
    warnings: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  // test
  {
    name: "test exoscale in the database",
    env: testExo,
    kind: "exoscale",
    location: "db",
    problems: [],
  },
  {
    name: "test exoscale on the local filestore",
    env: testExo,
    kind: "exoscale",
    location: "file",
    problems: ["storage.test-database-required attachment.location"],
  },
  {
    name: "test exoscale on the object store without a bucket",
    env: { ...testExo, AWS_BUCKETNAME: undefined },
    kind: "exoscale",
    location: "s3",
    problems: [],
  },
  {
    name: "test ovh on the object store without credentials",
    env: { ...testOvh, ...noSwift },
    kind: "ovh",
    location: "swift",
    problems: [
      "storage.credentials-required SWIFT_AUTH_URL",
      "storage.credentials-required SWIFT_ACCOUNT",
      "storage.credentials-required SWIFT_PASSWORD",
    ],
  },
  {
    name: "test ovh in the database without credentials",
    env: { ...testOvh, ...noSwift },
    kind: "ovh",
    location: "db",
    problems: [],
  },
  {
    name: "test with no recorded kind only warns",
    env: testExo,
    kind: undefined,
    location: "db",
    problems: [],
    warnings: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  {
    name: "test writing into the prod bucket",
    env: { ...testExo, AWS_BUCKETNAME: "acme-odoo-prod" },
    kind: "exoscale",
    location: "s3",
    problems: ["storage.not-prod-bucket AWS_BUCKETNAME"],
  },
  {
    name: "test with sentinels but no master name",
    env: {
      ...testExo,
      ODOO_SESSION_REDIS_HOST: undefined,
      ODOO_SESSION_REDIS_SENTINEL_HOST: "s1,s2",
    },
    kind: "exoscale",
    location: "db",
    problems: [
      "redis.sentinel-master-required ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME",
    ],
  },
  {
    name: "test with a Redis URL",
    env: {
      ...testExo,
      ODOO_SESSION_REDIS_HOST: undefined,
      ODOO_SESSION_REDIS_URL: "rediss://:pw@redis.internal:6380/0",
    },
    kind: "exoscale",
    location: "db",
    problems: [],
  },
  {
    name: "test with an http Redis URL",
    env: {
      ...testExo,
      ODOO_SESSION_REDIS_HOST: undefined,
      ODOO_SESSION_REDIS_URL: "http://redis.internal",
    },
    kind: "exoscale",
    location: "db",
    problems: ["format.url ODOO_SESSION_REDIS_URL"],
  },
  {
    name: "test without Redis",
    env: { ...testExo, ...redisOff },
    kind: "exoscale",
    location: "db",
    problems: REDIS_ALL,
  },
  // dev
  {
    name: "dev with an empty environment",
    env: {},
    kind: undefined,
    location: "file",
    problems: [],
    warnings: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  {
    name: "dev (RUNNING_ENV unset) pointing at the prod bucket",
    env: { ...goodS3("acme-odoo-prod") },
    kind: "exoscale",
    location: "file",
    problems: ["storage.not-prod-bucket AWS_BUCKETNAME"],
  },
  {
    name: "dev on s3 without credentials",
    env: { RUNNING_ENV: "dev", AWS_BUCKETNAME: "acme-odoo-dev" },
    kind: "exoscale",
    location: "s3",
    problems: [
      "storage.credentials-required AWS_ACCESS_KEY_ID",
      "storage.credentials-required AWS_SECRET_ACCESS_KEY",
    ],
  },
  {
    name: "dev with no kind on s3 without credentials",
    env: { RUNNING_ENV: "dev" },
    kind: undefined,
    location: "s3",
    problems: [
      "storage.credentials-required AWS_ACCESS_KEY_ID",
      "storage.credentials-required AWS_SECRET_ACCESS_KEY",
    ],
    warnings: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
  {
    name: "dev with statsd on and no customer",
    env: { RUNNING_ENV: "dev", ODOO_STATSD: "yes" },
    kind: "exoscale",
    location: "file",
    problems: ["statsd.customer-required STATSD_CUSTOMER"],
  },
  {
    name: "dev with statsd off and no customer",
    env: { RUNNING_ENV: "dev", ODOO_STATSD: "0" },
    kind: "exoscale",
    location: "file",
    problems: [],
  },
  {
    name: "dev with malformed ports and expirations",
    env: {
      ODOO_SESSION_REDIS_PORT: "abc",
      STATSD_PORT: "70000",
      ODOO_SESSION_REDIS_SENTINEL_PORT: "26379",
      ODOO_SESSION_REDIS_EXPIRATION: "-5",
      ODOO_SESSION_REDIS_EXPIRATION_ANONYMOUS: "3600",
    },
    kind: "exoscale",
    location: "file",
    problems: [
      "format.port ODOO_SESSION_REDIS_PORT",
      "format.port STATSD_PORT",
      "format.seconds ODOO_SESSION_REDIS_EXPIRATION",
    ],
  },
  {
    name: "dev with malformed endpoints",
    env: {
      AWS_HOST: "ftp://files.example",
      SWIFT_AUTH_URL: "auth.cloud.ovh.net/v3",
      DATABASE_URL: "mysql://u:p@db/x",
    },
    kind: "exoscale",
    location: "file",
    problems: [
      "format.url AWS_HOST",
      "format.url SWIFT_AUTH_URL",
      "format.url DATABASE_URL",
    ],
  },
  {
    name: "dev with well-formed endpoints",
    env: {
      AWS_HOST: "sos-ch-gva-2.exo.io",
      SWIFT_AUTH_URL: "http://127.0.0.1:8080/auth/v1.0",
      DATABASE_URL: "./data/index.sqlite",
    },
    kind: "exoscale",
    location: "file",
    problems: [],
  },
  {
    name: "dev with a secret ending in a newline",
    env: { ...goodS3(undefined), AWS_SECRET_ACCESS_KEY: "abcdef\n" },
    kind: "exoscale",
    location: "s3",
    problems: ["format.secret-whitespace AWS_SECRET_ACCESS_KEY"],
  },
  {
    name: "dev with the deprecated tenant name",
    env: { ...goodSwift(undefined), SWIFT_TENANT_NAME: "acme-project" },
    kind: "ovh",
    location: "swift",
    problems: [],
    warnings: ["storage.deprecated-tenant-name SWIFT_TENANT_NAME"],
  },
  // unknown environments
  {
    name: "an unknown RUNNING_ENV",
    env: { RUNNING_ENV: "production" },
    kind: "exoscale",
    location: "file",
    problems: ["environment.unknown RUNNING_ENV"],
  },
  {
    name: "an upper-case RUNNING_ENV (not prod, so a prod bucket is refused too)",
    env: { ...prodExo, RUNNING_ENV: "PROD" },
    kind: "exoscale",
    location: "s3",
    problems: [
      "environment.unknown RUNNING_ENV",
      "storage.not-prod-bucket AWS_BUCKETNAME",
    ],
  },
  {
    name: "an unknown RUNNING_ENV pointing at the prod bucket",
    env: { ...goodS3("acme-odoo-prod"), RUNNING_ENV: "staging" },
    kind: "exoscale",
    location: "s3",
    problems: [
      "environment.unknown RUNNING_ENV",
      "storage.not-prod-bucket AWS_BUCKETNAME",
    ],
  },
  // the unsafe bypass
  {
    name: "prod with everything wrong and the unsafe bypass",
    env: {
      RUNNING_ENV: "prod",
      ODOO_STATSD: "maybe",
      ODOO_CLOUD_PLATFORM_UNSAFE: "1",
    },
    kind: undefined,
    location: "file",
    problems: [],
    warnings: ["unsafe ODOO_CLOUD_PLATFORM_UNSAFE"],
  },
  {
    name: 'prod with a "maybe" unsafe bypass',
    env: { ...prodExo, ...redisOff, ODOO_CLOUD_PLATFORM_UNSAFE: "maybe" },
    kind: "exoscale",
    location: "s3",
    problems: ["format.boolean ODOO_CLOUD_PLATFORM_UNSAFE", ...REDIS_ALL],
  },
  {
    name: "prod with the unsafe bypass off",
    env: { ...prodExo, ODOO_CLOUD_PLATFORM_UNSAFE: "off" },
    kind: "exoscale",
    location: "file",
    problems: ["storage.object-store-required attachment.location"],
  },
  // install(kind) checking the kind it is about to record
  {
    name: "install ovh over a database recorded as exoscale, guarded for exoscale",
    env: { ...prodOvh, CLOUD_PLATFORM_KIND: "exoscale" },
    kind: "ovh",
    location: "swift",
    options: { recordedKind: "ovh" },
    problems: ["kind.mismatch CLOUD_PLATFORM_KIND"],
  },
  {
    name: "a kind given but explicitly not recorded on prod",
    env: prodOvh,
    kind: "ovh",
    location: "swift",
    options: { recordedKind: undefined },
    problems: ["kind.not-recorded CLOUD_PLATFORM_KIND"],
  },
];

const ids = (list: { rule: string; variable: string }[]): string[] =>
  list.map((p) => `${p.rule} ${p.variable}`).sort();

describe("the start-up rule table", () => {
  it("has at least 40 configurations", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)(
    "$name",
    ({ env, kind, location, options, problems, warnings }) => {
      const report = checkPlatform(env, { kind, location, ...options });
      expect(ids(report.problems)).toEqual([...problems].sort());
      expect(ids(report.warnings)).toEqual([...(warnings ?? [])].sort());
      expect(report.ok).toBe(problems.length === 0);
    },
  );
});
