import { describe, expect, it } from "@jest/globals";
import {
  isMetricsError,
  prometheusOptionsFromEnv,
  statsdOptionsFromEnv,
  type MetricsError,
} from "@cloud-platform/metrics-statsd";

function configError(fn: () => unknown): MetricsError {
  try {
    fn();
  } catch (error) {
    if (isMetricsError(error, "E_METRICS_CONFIG")) return error;
    throw error;
  }
  throw new Error("expected a configuration error");
}

describe("statsdOptionsFromEnv", () => {
  it("returns undefined when ODOO_STATSD is unset or off", () => {
    expect(statsdOptionsFromEnv({})).toBeUndefined();
    expect(
      statsdOptionsFromEnv({ ODOO_STATSD: "Off", STATSD_CUSTOMER: "acme" }),
    ).toBeUndefined();
  });

  it("applies the documented defaults when on", () => {
    expect(
      statsdOptionsFromEnv({ ODOO_STATSD: "TRUE", STATSD_CUSTOMER: "acme" }),
    ).toEqual({
      customer: "acme",
      environment: "dev",
      host: "localhost",
      port: 8125,
      prefix: "odoo",
    });
  });

  it("accepts every documented spelling of a boolean, in any case", () => {
    for (const on of ["1", "true", "YES", "On"]) {
      expect(
        statsdOptionsFromEnv({ ODOO_STATSD: on, STATSD_CUSTOMER: "a" }),
      ).toBeDefined();
    }
    for (const off of ["0", "False", "no", "OFF"]) {
      expect(statsdOptionsFromEnv({ ODOO_STATSD: off })).toBeUndefined();
    }
  });

  it("takes the environment from STATSD_ENVIRONMENT, then RUNNING_ENV", () => {
    const base = {
      ODOO_STATSD: "1",
      STATSD_CUSTOMER: "acme",
      RUNNING_ENV: "integration",
    };
    expect(statsdOptionsFromEnv(base)?.environment).toBe("integration");
    expect(
      statsdOptionsFromEnv({ ...base, STATSD_ENVIRONMENT: "prod" })
        ?.environment,
    ).toBe("prod");
  });

  it("honours STATSD_HOST, STATSD_PORT and STATSD_PREFIX", () => {
    const options = statsdOptionsFromEnv({
      ODOO_STATSD: "yes",
      STATSD_CUSTOMER: "acme",
      STATSD_HOST: "statsd.internal",
      STATSD_PORT: "9125",
      STATSD_PREFIX: "erp.eu",
    });
    expect(options).toMatchObject({
      host: "statsd.internal",
      port: 9125,
      prefix: "erp.eu",
    });
  });

  it("rejects a value that is not a boolean instead of treating it as true", () => {
    const error = configError(() =>
      statsdOptionsFromEnv({ ODOO_STATSD: "enabled", STATSD_CUSTOMER: "acme" }),
    );
    expect(error.problems.map((p) => p.variable)).toEqual(["ODOO_STATSD"]);
  });

  it("reports every problem at once", () => {
    const error = configError(() =>
      statsdOptionsFromEnv({
        ODOO_STATSD: "on",
        STATSD_PORT: "eighty",
        STATSD_PREFIX: "odoo.",
        RUNNING_ENV: "pr od",
      }),
    );
    expect(error.problems.map((p) => p.variable).sort()).toEqual([
      "RUNNING_ENV",
      "STATSD_CUSTOMER",
      "STATSD_PORT",
      "STATSD_PREFIX",
    ]);
    expect(error.message).toContain(
      "STATSD_CUSTOMER: required when ODOO_STATSD is on",
    );
  });
});

describe("prometheusOptionsFromEnv", () => {
  it("returns undefined when ODOO_PROMETHEUS is unset or off", () => {
    expect(prometheusOptionsFromEnv({})).toBeUndefined();
    expect(
      prometheusOptionsFromEnv({
        ODOO_PROMETHEUS: "no",
        ODOO_PROMETHEUS_TOKEN: "x",
      }),
    ).toBeUndefined();
  });

  it("maps the token and the customer and environment labels when on", () => {
    expect(
      prometheusOptionsFromEnv({
        ODOO_PROMETHEUS: "on",
        ODOO_PROMETHEUS_TOKEN: "abc123",
        STATSD_CUSTOMER: "acme",
        RUNNING_ENV: "prod",
      }),
    ).toEqual({ token: "abc123", customer: "acme", environment: "prod" });
    expect(prometheusOptionsFromEnv({ ODOO_PROMETHEUS: "1" })).toEqual({
      environment: "dev",
    });
  });

  it("rejects a bad boolean and a bad token without echoing the token", () => {
    const secret = "very secret value";
    const error = configError(() =>
      prometheusOptionsFromEnv({
        ODOO_PROMETHEUS: "y",
        ODOO_PROMETHEUS_TOKEN: secret,
      }),
    );
    expect(error.problems.map((p) => p.variable)).toEqual(["ODOO_PROMETHEUS"]);
    const tokenError = configError(() =>
      prometheusOptionsFromEnv({
        ODOO_PROMETHEUS: "true",
        ODOO_PROMETHEUS_TOKEN: secret,
      }),
    );
    expect(tokenError.problems.map((p) => p.variable)).toEqual([
      "ODOO_PROMETHEUS_TOKEN",
    ]);
    expect(tokenError.message).not.toContain("secret");
    expect(JSON.stringify(tokenError.problems)).not.toContain("secret");
  });
});
