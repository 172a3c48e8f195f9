import { describe, expect, it } from "@jest/globals";
import {
  isLoggingError,
  LoggingErrorCode,
  loggingOptionsFromEnv,
} from "../src/index.js";

describe("loggingOptionsFromEnv", () => {
  it("defaults to readable lines at info on dev", () => {
    expect(loggingOptionsFromEnv({})).toEqual({
      json: false,
      level: "info",
      environment: "dev",
    });
  });

  it("accepts every documented boolean spelling in any case", () => {
    for (const on of ["1", "true", "YES", "On"])
      expect(loggingOptionsFromEnv({ ODOO_LOGGING_JSON: on }).json).toBe(true);
    for (const off of ["0", "False", "no", "OFF", ""])
      expect(loggingOptionsFromEnv({ ODOO_LOGGING_JSON: off }).json).toBe(
        false,
      );
  });

  it("maps LOG_LEVEL and RUNNING_ENV", () => {
    expect(
      loggingOptionsFromEnv({ LOG_LEVEL: "DEBUG", RUNNING_ENV: "labs-demo" }),
    ).toMatchObject({ level: "debug", environment: "labs-demo" });
  });

  it("rejects a boolean outside the documented set with a typed error naming the variable", () => {
    let caught: unknown;
    try {
      loggingOptionsFromEnv({ ODOO_LOGGING_JSON: "enabled" });
    } catch (error) {
      caught = error;
    }
    expect(isLoggingError(caught, LoggingErrorCode.InvalidEnv)).toBe(true);
    expect(caught).toMatchObject({ variable: "ODOO_LOGGING_JSON" });
  });

  it("rejects an unknown level", () => {
    expect(() => loggingOptionsFromEnv({ LOG_LEVEL: "verbose" })).toThrow(
      /LOG_LEVEL must be one of/,
    );
  });
});
