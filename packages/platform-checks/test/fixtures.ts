import type { PlatformEnv } from "../src/index.js";

/** Redis sessions set up the way the rules want them for `runningEnv`. */
export function goodRedis(runningEnv: string, app = "odoo"): PlatformEnv {
  return {
    ODOO_SESSION_REDIS: "1",
    ODOO_SESSION_REDIS_HOST: "redis.internal",
    ODOO_SESSION_REDIS_PREFIX: `acme-${app}-${runningEnv}`,
    SESSION_SECRET: "fixture-session-secret",
  };
}

/** Complete Exoscale S3 variables writing to `bucket` (unset when `undefined`). */
export function goodS3(bucket: string | undefined): PlatformEnv {
  return {
    AWS_HOST: "sos-ch-gva-2.exo.io",
    AWS_REGION: "ch-gva-2",
    AWS_ACCESS_KEY_ID: "EXOfixtureaccesskey",
    AWS_SECRET_ACCESS_KEY: "fixture-secret-access-key",
    AWS_BUCKETNAME: bucket,
  };
}

/** Complete OVH Swift variables writing to `container` (unset when `undefined`). */
export function goodSwift(container: string | undefined): PlatformEnv {
  return {
    SWIFT_AUTH_URL: "https://auth.cloud.ovh.net/v3",
    SWIFT_ACCOUNT: "acme-user",
    SWIFT_PASSWORD: "fixture-swift-password",
    SWIFT_PROJECT_NAME: "acme-project",
    SWIFT_REGION_NAME: "GRA",
    SWIFT_WRITE_CONTAINER: container,
  };
}

/** A complete, valid environment for `runningEnv` on `kind`. */
export function goodEnv(
  runningEnv: string,
  kind: "exoscale" | "ovh",
  name = `acme-odoo-${runningEnv.startsWith("labs") ? "labs" : runningEnv}`,
): PlatformEnv {
  const shared = ["prod", "integration"].includes(runningEnv);
  return {
    RUNNING_ENV: runningEnv,
    // prod, integration and labs keep the index in a shared database.
    ...(shared || runningEnv.startsWith("labs")
      ? { DATABASE_URL: "postgres://odoo@db.internal:5432/acme" }
      : {}),
    ...goodRedis(runningEnv.startsWith("labs") ? "labs" : runningEnv),
    ...(kind === "exoscale" ? goodS3(name) : goodSwift(name)),
  };
}
