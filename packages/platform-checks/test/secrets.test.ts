import { describe, expect, it } from "@jest/globals";
import {
  assertPlatform,
  checkPlatform,
  formatReport,
  reportToJson,
  runCheckCli,
  SECRET_URL_VARIABLES,
  SECRET_VARIABLES,
  type AttachmentLocation,
  type PlatformEnv,
  type PlatformKind,
} from "../src/index.js";

const run = Math.random().toString(36).slice(2, 10);
const planted = {
  AWS_ACCESS_KEY_ID: `PLANTEDAKID${run}`,
  AWS_SECRET_ACCESS_KEY: `planted-aws-secret-${run}`,
  SWIFT_PASSWORD: `planted-swift-password-${run}`,
  SWIFT_APPLICATION_CREDENTIAL_SECRET: `planted-app-cred-secret-${run}`,
  AWS_SESSION_TOKEN: `planted-aws-session-token-${run}`,
  AWS_CONTAINER_AUTHORIZATION_TOKEN: `planted-container-token-${run}`,
  ODOO_SESSION_REDIS_PASSWORD: `planted-redis-password-${run}`,
  ODOO_PROMETHEUS_TOKEN: `planted-prometheus-token-${run}`,
  SESSION_SECRET: `planted-session-secret-${run}`,
  redisUrlPassword: `planted-redis-url-pw-${run}`,
  databaseUrlPassword: `planted-db-url-pw-${run}`,
};
const secrets = Object.values(planted);

/** Every secret variable set to its planted value, optionally malformed to draw messages. */
function secretEnv(malformed: boolean): PlatformEnv {
  const pad = malformed ? "\n" : "";
  return {
    AWS_ACCESS_KEY_ID: planted.AWS_ACCESS_KEY_ID + pad,
    AWS_SECRET_ACCESS_KEY: planted.AWS_SECRET_ACCESS_KEY + pad,
    SWIFT_PASSWORD: pad + planted.SWIFT_PASSWORD,
    SWIFT_APPLICATION_CREDENTIAL_SECRET:
      planted.SWIFT_APPLICATION_CREDENTIAL_SECRET + pad,
    AWS_SESSION_TOKEN: planted.AWS_SESSION_TOKEN + pad,
    AWS_CONTAINER_AUTHORIZATION_TOKEN:
      planted.AWS_CONTAINER_AUTHORIZATION_TOKEN + pad,
    ODOO_SESSION_REDIS_PASSWORD: planted.ODOO_SESSION_REDIS_PASSWORD + pad,
    ODOO_PROMETHEUS_TOKEN: planted.ODOO_PROMETHEUS_TOKEN + pad,
    SESSION_SECRET: planted.SESSION_SECRET + pad,
    ODOO_SESSION_REDIS_URL: `${malformed ? "http" : "rediss"}://default:${planted.redisUrlPassword}@redis.internal:6380/0`,
    DATABASE_URL: `${malformed ? "mysql" : "postgres"}://odoo:${planted.databaseUrlPassword}@db.internal:5432/acme`,
  };
}

/** An operator who pasted secrets into non-secret variables too. */
const pastedEverywhere: PlatformEnv = {
  RUNNING_ENV: `labs-${planted.SWIFT_PASSWORD}`,
  AWS_BUCKETNAME: planted.AWS_SECRET_ACCESS_KEY,
  AWS_ROLE_ARN: planted.AWS_CONTAINER_AUTHORIZATION_TOKEN,
  SWIFT_APPLICATION_CREDENTIAL_ID: `id-${planted.SWIFT_APPLICATION_CREDENTIAL_SECRET}`,
  SWIFT_WRITE_CONTAINER: `acme-${planted.SWIFT_PASSWORD}`,
  ODOO_SESSION_REDIS_PREFIX: planted.ODOO_SESSION_REDIS_PASSWORD,
  ODOO_STATSD: planted.ODOO_PROMETHEUS_TOKEN,
  STATSD_PORT: planted.AWS_ACCESS_KEY_ID,
  CLOUD_PLATFORM_KIND: planted.databaseUrlPassword,
  AWS_HOST: `ftp://${planted.redisUrlPassword}`,
};

interface Setup {
  env: PlatformEnv;
  kind: PlatformKind | undefined;
  location: AttachmentLocation;
}

const setups: Setup[] = [
  {
    env: { RUNNING_ENV: "prod", ...secretEnv(true) },
    kind: "exoscale",
    location: "file",
  },
  {
    env: { RUNNING_ENV: "prod", ...secretEnv(false) },
    kind: "ovh",
    location: "swift",
  },
  {
    env: {
      RUNNING_ENV: "integration",
      ...secretEnv(true),
      ...pastedEverywhere,
    },
    kind: "ovh",
    location: "s3",
  },
  {
    env: { ...secretEnv(true), ...pastedEverywhere, RUNNING_ENV: "prod" },
    kind: "exoscale",
    location: "s3",
  },
  {
    env: {
      RUNNING_ENV: "test",
      ...secretEnv(false),
      ODOO_CLOUD_PLATFORM_UNSAFE: "1",
    },
    kind: undefined,
    location: "file",
  },
];

function everyOutput(setup: Setup): string[] {
  const options = { kind: setup.kind, location: setup.location };
  const report = checkPlatform(setup.env, options);
  const outputs = [
    formatReport(report),
    reportToJson(report),
    JSON.stringify(report),
  ];
  outputs.push(
    runCheckCli(setup.env, [], options).output,
    runCheckCli(setup.env, ["--json"], options).output,
  );
  try {
    assertPlatform(setup.env, options);
  } catch (error) {
    outputs.push(String(error), (error as Error).message);
  }
  return outputs;
}

describe("secret values", () => {
  it("are planted in every secret variable the package knows", () => {
    const names = Object.keys(secretEnv(false)).sort();
    expect(names).toEqual(
      [...SECRET_VARIABLES, ...SECRET_URL_VARIABLES].sort(),
    );
  });

  it("never appear in the text or JSON report, whatever the configuration", () => {
    for (const setup of setups) {
      const outputs = everyOutput(setup);
      // Every setup must draw findings (blocks `VARIABLE  [rule]`), or it proves nothing.
      expect(outputs[0]).toMatch(/ {2}\[[a-z.-]+\]/);
      for (const output of outputs) {
        for (const secret of secrets) expect(output).not.toContain(secret);
      }
    }
  });

  it("are reported as malformed by name only", () => {
    const report = checkPlatform(
      { RUNNING_ENV: "dev", ...secretEnv(true) },
      { location: "file" },
    );
    const malformed = report.problems
      .map((p) => `${p.rule} ${p.variable}`)
      .sort();
    expect(malformed).toEqual(
      [
        ...SECRET_VARIABLES.map((name) => `format.secret-whitespace ${name}`),
        "format.url ODOO_SESSION_REDIS_URL",
        "format.url DATABASE_URL",
      ].sort(),
    );
  });
});
