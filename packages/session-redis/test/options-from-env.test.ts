import { describe, expect, it } from "@jest/globals";
import {
  isRedisSessionError,
  redisSessionOptionsFromEnv,
  type RedisSessionError,
} from "@cloud-platform/session-redis";

const on = { ODOO_SESSION_REDIS: "1" };

function configError(env: Record<string, string>): RedisSessionError {
  try {
    redisSessionOptionsFromEnv(env);
  } catch (err) {
    if (isRedisSessionError(err, "E_CONFIG")) return err;
    throw err;
  }
  throw new Error("expected E_CONFIG");
}

describe("redisSessionOptionsFromEnv", () => {
  it("is disabled with the documented defaults when nothing is set", () => {
    expect(redisSessionOptionsFromEnv({})).toEqual({
      enabled: false,
      connection: { mode: "standalone", host: "localhost", port: 6379 },
      prefix: "",
      ttl: 604800,
      anonymousTtl: 10800,
    });
  });

  it("accepts every documented boolean spelling in any case", () => {
    for (const yes of ["1", "true", "YES", "On"]) {
      expect(
        redisSessionOptionsFromEnv({ ODOO_SESSION_REDIS: yes }).enabled,
      ).toBe(true);
    }
    for (const no of ["0", "False", "no", "OFF"]) {
      expect(
        redisSessionOptionsFromEnv({ ODOO_SESSION_REDIS: no }).enabled,
      ).toBe(false);
    }
  });

  it("rejects a boolean that is neither on nor off", () => {
    expect(configError({ ODOO_SESSION_REDIS: "enabled" }).issues).toEqual([
      {
        variable: "ODOO_SESSION_REDIS",
        message: expect.stringContaining("1/true/yes/on"),
      },
    ]);
  });

  it("maps host, port, password, prefix and expirations", () => {
    const options = redisSessionOptionsFromEnv({
      ...on,
      ODOO_SESSION_REDIS_HOST: "redis.internal",
      ODOO_SESSION_REDIS_PORT: "6390",
      ODOO_SESSION_REDIS_PASSWORD: " p4ss ",
      ODOO_SESSION_REDIS_PREFIX: "acme-odoo-prod",
      ODOO_SESSION_REDIS_EXPIRATION: "3600",
      ODOO_SESSION_REDIS_EXPIRATION_ANONYMOUS: "600",
    });
    expect(options).toEqual({
      enabled: true,
      connection: {
        mode: "standalone",
        host: "redis.internal",
        port: 6390,
        password: " p4ss ",
      },
      prefix: "acme-odoo-prod",
      ttl: 3600,
      anonymousTtl: 600,
    });
  });

  it("prefers the URL over host and port", () => {
    const { connection } = redisSessionOptionsFromEnv({
      ...on,
      ODOO_SESSION_REDIS_HOST: "ignored",
      ODOO_SESSION_REDIS_URL: "rediss://cache.example.com:6380/2",
    });
    expect(connection).toEqual({
      mode: "url",
      url: "rediss://cache.example.com:6380/2",
      password: undefined,
    });
  });

  it("prefers Sentinel over the URL and reads several sentinel hosts", () => {
    const { connection } = redisSessionOptionsFromEnv({
      ...on,
      ODOO_SESSION_REDIS_URL: "redis://ignored",
      ODOO_SESSION_REDIS_SENTINEL_HOST: "s1, s2:26380,10.0.0.3",
      ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME: "mymaster",
    });
    expect(connection).toEqual({
      mode: "sentinel",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
        { host: "10.0.0.3", port: 26379 },
      ],
      masterName: "mymaster",
      password: undefined,
    });
  });

  it("reports every problem at once", () => {
    const err = configError({
      ...on,
      ODOO_SESSION_REDIS_SENTINEL_HOST: "s1",
      ODOO_SESSION_REDIS_SENTINEL_PORT: "abc",
      ODOO_SESSION_REDIS_PORT: "70000",
      ODOO_SESSION_REDIS_EXPIRATION: "-5",
      ODOO_SESSION_REDIS_EXPIRATION_ANONYMOUS: "1.5",
    });
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      "ODOO_SESSION_REDIS_EXPIRATION",
      "ODOO_SESSION_REDIS_EXPIRATION_ANONYMOUS",
      "ODOO_SESSION_REDIS_PORT",
      "ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME",
      "ODOO_SESSION_REDIS_SENTINEL_PORT",
    ]);
    expect(err.message).toContain(
      "ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME: required",
    );
  });

  it("never quotes the password, even from a broken URL", () => {
    const err = configError({
      ...on,
      ODOO_SESSION_REDIS_URL: "http://user:hunter2-secret@host",
      ODOO_SESSION_REDIS_PASSWORD: "hunter2-secret",
      ODOO_SESSION_REDIS_PORT: "x",
    });
    expect(err.issues.map((i) => i.variable)).toContain(
      "ODOO_SESSION_REDIS_URL",
    );
    expect(
      JSON.stringify({ message: err.message, issues: err.issues }),
    ).not.toContain("hunter2");
  });

  it("checks only the switch when sessions in Redis are off", () => {
    expect(
      redisSessionOptionsFromEnv({
        ODOO_SESSION_REDIS: "off",
        ODOO_SESSION_REDIS_PORT: "x",
      }).enabled,
    ).toBe(false);
  });
});
