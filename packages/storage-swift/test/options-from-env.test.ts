import { describe, expect, it } from "@jest/globals";
import { isSwiftConfigError, SwiftConfigError } from "../src/errors.js";
import { swiftOptionsFromEnv } from "../src/options-from-env.js";
import { createSwiftStore } from "../src/swift-store.js";

const keystoneEnv = {
  SWIFT_AUTH_URL: "https://auth.cloud.ovh.net/v3",
  SWIFT_ACCOUNT: "user-1",
  SWIFT_PASSWORD: "super-secret-pw",
  SWIFT_PROJECT_NAME: "project-1",
  SWIFT_REGION_NAME: "GRA",
  SWIFT_WRITE_CONTAINER: "acme-odoo-{db}",
};

function problemsOf(run: () => unknown): { name: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (isSwiftConfigError(error)) return [...error.problems];
    throw error;
  }
  throw new Error("expected a SwiftConfigError");
}

describe("swiftOptionsFromEnv", () => {
  it("with containerOptional, reads an unset or empty SWIFT_WRITE_CONTAINER as no write container (read only)", () => {
    for (const SWIFT_WRITE_CONTAINER of [undefined, "", "  "]) {
      const options = swiftOptionsFromEnv(
        { ...keystoneEnv, SWIFT_WRITE_CONTAINER },
        { dbName: "prod", containerOptional: true },
      );
      expect(options.container).toBeUndefined();
      expect(options.auth.type).toBe("keystone");
    }
    expect(
      problemsOf(() =>
        swiftOptionsFromEnv(
          { ...keystoneEnv, SWIFT_WRITE_CONTAINER: "" },
          { dbName: "prod" },
        ),
      ).map((p) => p.name),
    ).toEqual(["SWIFT_WRITE_CONTAINER"]);
  });

  it("maps a Keystone URL to Keystone v3 in the default domain, with {db} replaced", () => {
    expect(swiftOptionsFromEnv(keystoneEnv, { dbName: "prod" })).toEqual({
      container: "acme-odoo-prod",
      auth: {
        type: "keystone",
        authUrl: "https://auth.cloud.ovh.net/v3",
        username: "user-1",
        password: "super-secret-pw",
        projectName: "project-1",
        region: "GRA",
      },
    });
  });

  it("maps a URL ending in /auth/v1.0 to tempauth", () => {
    const env = {
      SWIFT_AUTH_URL: "http://127.0.0.1:8080/auth/v1.0",
      SWIFT_ACCOUNT: "test:tester",
      SWIFT_PASSWORD: "testing",
      SWIFT_WRITE_CONTAINER: "files",
    };
    expect(swiftOptionsFromEnv(env, { dbName: "x" }).auth).toEqual({
      type: "tempauth",
      authUrl: env.SWIFT_AUTH_URL,
      user: "test:tester",
      key: "testing",
    });
  });

  it("accepts SWIFT_TENANT_NAME with a deprecation warning", () => {
    const warnings: string[] = [];
    const { SWIFT_PROJECT_NAME: _p, ...rest } = keystoneEnv;
    const options = swiftOptionsFromEnv(
      { ...rest, SWIFT_TENANT_NAME: "tenant-1" },
      { dbName: "db", onWarning: (m) => warnings.push(m) },
    );
    expect(options.auth).toMatchObject({ projectName: "tenant-1" });
    expect(warnings).toEqual([
      expect.stringContaining("SWIFT_TENANT_NAME is deprecated"),
    ]);
  });

  it("reports every problem at once and never the password", () => {
    let caught: unknown;
    try {
      swiftOptionsFromEnv(
        {
          SWIFT_AUTH_URL: "ftp://nope",
          SWIFT_PASSWORD: "super-secret-pw",
          SWIFT_WRITE_CONTAINER: "a/{db}",
        },
        { dbName: "db" },
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SwiftConfigError);
    const error = caught as SwiftConfigError;
    expect(error.code).toBe("E_SWIFT_CONFIG");
    expect(error.problems.map((p) => p.name)).toEqual([
      "SWIFT_AUTH_URL",
      "SWIFT_ACCOUNT",
      "SWIFT_PROJECT_NAME",
      "SWIFT_WRITE_CONTAINER",
    ]);
    expect(JSON.stringify(error.problems) + error.message).not.toContain(
      "super-secret-pw",
    );
  });

  it("refuses {db} without a database name", () => {
    expect(
      problemsOf(() => swiftOptionsFromEnv(keystoneEnv, { dbName: "" })),
    ).toEqual([
      expect.objectContaining({
        name: "SWIFT_WRITE_CONTAINER",
        variable: "SWIFT_WRITE_CONTAINER",
        message: expect.stringContaining("{db}") as unknown as string,
      }),
    ]);
  });
});

describe("createSwiftStore options", () => {
  it("rejects unusable options with every problem listed", () => {
    const problems = problemsOf(() =>
      createSwiftStore({
        container: "",
        auth: {
          type: "keystone",
          authUrl: "x",
          username: "",
          password: "p",
          projectName: "p",
        },
        segmentSize: 0,
        largeObjectThreshold: 1.5,
      }),
    );
    expect(problems.map((p) => p.name)).toEqual([
      "container",
      "segmentSize",
      "largeObjectThreshold",
      "auth.authUrl",
      "auth.username",
    ]);
  });

  it("refuses a segment size above 5 GiB", () => {
    const auth = {
      type: "tempauth" as const,
      authUrl: "http://127.0.0.1:8080/auth/v1.0",
      user: "a:b",
      key: "k",
    };
    expect(
      problemsOf(() =>
        createSwiftStore({ container: "c", auth, segmentSize: 6 * 1024 ** 3 }),
      ).map((p) => p.name),
    ).toEqual(["segmentSize"]);
  });

  it("does no I/O when created", () => {
    const store = createSwiftStore({
      container: "c",
      auth: {
        type: "tempauth",
        authUrl: "http://127.0.0.1:1/auth/v1.0",
        user: "a:b",
        key: "k",
      },
    });
    expect(store).toMatchObject({ kind: "swift", container: "c" });
  });

  describe("Keystone application credentials", () => {
    const appEnv = {
      SWIFT_AUTH_URL: "https://auth.cloud.ovh.net/v3",
      SWIFT_APPLICATION_CREDENTIAL_ID: "ac-id-1",
      SWIFT_APPLICATION_CREDENTIAL_SECRET: "app-credential-secret",
      SWIFT_REGION_NAME: "GRA",
      SWIFT_WRITE_CONTAINER: "acme-odoo-prod",
    };

    it("maps the id and the secret, needing neither password nor project", () => {
      expect(swiftOptionsFromEnv(appEnv, { dbName: "x" }).auth).toEqual({
        type: "application-credential",
        authUrl: "https://auth.cloud.ovh.net/v3",
        id: "ac-id-1",
        secret: "app-credential-secret",
        region: "GRA",
      });
    });

    it("maps the name with the owning user from SWIFT_ACCOUNT", () => {
      const { SWIFT_APPLICATION_CREDENTIAL_ID: _id, ...byName } = appEnv;
      expect(
        swiftOptionsFromEnv(
          {
            ...byName,
            SWIFT_APPLICATION_CREDENTIAL_NAME: "backups",
            SWIFT_ACCOUNT: "user-1",
          },
          { dbName: "x" },
        ).auth,
      ).toMatchObject({ name: "backups", username: "user-1" });
    });

    it("names what is missing, never the secret", () => {
      const { SWIFT_APPLICATION_CREDENTIAL_ID: _id, ...byName } = appEnv;
      const problems = problemsOf(() =>
        swiftOptionsFromEnv(
          { ...byName, SWIFT_APPLICATION_CREDENTIAL_NAME: "backups" },
          { dbName: "x" },
        ),
      );
      expect(problems.map((p) => p.name)).toEqual(["SWIFT_ACCOUNT"]);
      expect(
        problemsOf(() =>
          swiftOptionsFromEnv(
            { ...appEnv, SWIFT_APPLICATION_CREDENTIAL_SECRET: undefined },
            { dbName: "x" },
          ),
        ).map((p) => p.name),
      ).toEqual(["SWIFT_APPLICATION_CREDENTIAL_SECRET"]);
      const stray = problemsOf(() =>
        swiftOptionsFromEnv(
          {
            ...keystoneEnv,
            SWIFT_APPLICATION_CREDENTIAL_SECRET: "stray-secret",
          },
          { dbName: "x" },
        ),
      );
      expect(stray.map((p) => p.name)).toEqual([
        "SWIFT_APPLICATION_CREDENTIAL_SECRET",
      ]);
      expect(JSON.stringify(stray)).not.toContain("stray-secret");
    });

    it("refuses them with a tempauth URL", () => {
      expect(
        problemsOf(() =>
          swiftOptionsFromEnv(
            { ...appEnv, SWIFT_AUTH_URL: "http://127.0.0.1:8080/auth/v1.0" },
            { dbName: "x" },
          ),
        ).map((p) => p.name),
      ).toEqual(["SWIFT_APPLICATION_CREDENTIAL_ID"]);
    });
  });
});
