import { testEndpoints } from "@cloud-platform/test-services";
import type { CliResult } from "./cli-process.js";

const ep = testEndpoints();

/** A platform kind, each with its object store on the local Swift. */
export type Kind = "exoscale" | "ovh";

/** A configuration of `kind` on `environment`, writing to `name` (bucket or container). */
export type Configuration = (
  kind: Kind,
  environment: string,
  name: string,
  databaseUrl: string,
) => Record<string, string>;

/**
 * Configurations with `secret` planted in every secret variable (it must never be printed);
 * nothing in them is contacted by `check`.
 */
export function plantedConfiguration(secret: string): Configuration {
  return (kind, environment, name, databaseUrl) =>
    configuration(kind, environment, name, databaseUrl, secret);
}

function configuration(
  kind: Kind,
  environment: string,
  name: string,
  databaseUrl: string,
  secret: string,
): Record<string, string> {
  const store =
    kind === "exoscale"
      ? {
          AWS_HOST: ep.s3.endpoint,
          AWS_REGION: ep.s3.region,
          AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: secret,
          AWS_BUCKETNAME: name,
        }
      : {
          SWIFT_AUTH_URL: ep.swiftV1.authUrl,
          SWIFT_ACCOUNT: ep.swiftV1.user,
          SWIFT_PASSWORD: secret,
          SWIFT_WRITE_CONTAINER: name,
        };
  return {
    RUNNING_ENV: environment,
    DATABASE_URL: databaseUrl,
    ODOO_SESSION_REDIS: "1",
    ODOO_SESSION_REDIS_HOST: "127.0.0.1",
    ODOO_SESSION_REDIS_PREFIX: `acme-odoo-${environment}`,
    SESSION_SECRET: secret,
    ...store,
  };
}

/** The problems of a `check --json` report, as [variable, rule]. */
export function problemsOf(result: CliResult): [string, string][] {
  const report = JSON.parse(
    result.code === 0 ? result.stdout : result.stderr,
  ) as { problems: { variable: string; rule: string }[] };
  return report.problems.map((p) => [p.variable, p.rule]);
}
