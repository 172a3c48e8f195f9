import { describe, expect, it } from "@jest/globals";
import {
  isS3ConfigError,
  s3OptionsFromEnv,
  type S3ConfigError,
} from "../src/index.js";

const base = {
  AWS_HOST: "sos-ch-gva-2.exo.io",
  AWS_REGION: "ch-gva-2",
  AWS_ACCESS_KEY_ID: "EXO123",
  AWS_SECRET_ACCESS_KEY: "top-secret-value",
  AWS_BUCKETNAME: "acme-{db}-files",
};

const configError = (
  env: Record<string, string | undefined>,
  dbName?: string,
): S3ConfigError => {
  try {
    s3OptionsFromEnv(env, dbName === undefined ? {} : { dbName });
  } catch (error) {
    if (isS3ConfigError(error)) return error;
    throw error;
  }
  throw new Error("expected an S3ConfigError");
};

describe("s3OptionsFromEnv", () => {
  it("with bucketOptional, reads an unset or empty AWS_BUCKETNAME as no write bucket (read only)", () => {
    for (const AWS_BUCKETNAME of [undefined, "", "  "]) {
      const options = s3OptionsFromEnv(
        { ...base, AWS_BUCKETNAME },
        { dbName: "prod", bucketOptional: true },
      );
      expect(options.bucket).toBeUndefined();
      expect(options.clientConfig.region).toBe("ch-gva-2");
    }
    expect(
      s3OptionsFromEnv(base, { dbName: "prod", bucketOptional: true }).bucket,
    ).toBe("acme-prod-files");
  });

  it("without bucketOptional, still requires AWS_BUCKETNAME", () => {
    expect(
      configError({ ...base, AWS_BUCKETNAME: "" }).problems.map((p) => p.name),
    ).toEqual(["AWS_BUCKETNAME"]);
  });

  it("maps the documented variables and replaces {db} in the bucket name", () => {
    expect(s3OptionsFromEnv(base, { dbName: "prod" })).toEqual({
      bucket: "acme-prod-files",
      clientConfig: {
        endpoint: "https://sos-ch-gva-2.exo.io",
        region: "ch-gva-2",
        credentials: {
          accessKeyId: "EXO123",
          secretAccessKey: "top-secret-value",
        },
      },
    });
  });

  it("keeps an explicit http scheme and port", () => {
    expect(
      s3OptionsFromEnv(
        { ...base, AWS_HOST: "http://127.0.0.1:8080/" },
        { dbName: "x" },
      ).clientConfig.endpoint,
    ).toBe("http://127.0.0.1:8080");
  });

  it("leaves the endpoint to the SDK (AWS) when AWS_HOST is unset", () => {
    expect(
      s3OptionsFromEnv({ ...base, AWS_HOST: undefined }, { dbName: "x" })
        .clientConfig,
    ).not.toHaveProperty("endpoint");
  });

  it("reports every missing variable at once", () => {
    const error = configError({});
    expect(error.code).toBe("E_S3_CONFIG");
    expect(error.problems.map((p) => p.name)).toEqual([
      "AWS_REGION",
      "AWS_BUCKETNAME",
    ]);
  });

  it("leaves credentials to the AWS SDK's default chain when no static key is set", () => {
    const options = s3OptionsFromEnv(
      { ...base, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: " " },
      { dbName: "x" },
    );
    expect(options.clientConfig).not.toHaveProperty("credentials");
  });

  it("refuses one static key without the other, naming the missing one", () => {
    expect(
      configError({ ...base, AWS_SECRET_ACCESS_KEY: undefined }, "x").problems,
    ).toEqual([expect.objectContaining({ name: "AWS_SECRET_ACCESS_KEY" })]);
    const error = configError({ ...base, AWS_ACCESS_KEY_ID: "" }, "x");
    expect(error.problems).toEqual([
      expect.objectContaining({ name: "AWS_ACCESS_KEY_ID" }),
    ]);
    expect(error.message).not.toContain("top-secret-value");
  });

  it("maps AWS_SSE and AWS_SSE_KMS_KEY_ID to the store's encryption options", () => {
    expect(
      s3OptionsFromEnv({ ...base, AWS_SSE: "AES256" }, { dbName: "x" }),
    ).toMatchObject({ serverSideEncryption: "AES256" });
    const kms = s3OptionsFromEnv(
      { ...base, AWS_SSE: "aws:kms", AWS_SSE_KMS_KEY_ID: " alias/files " },
      { dbName: "x" },
    );
    expect(kms).toMatchObject({
      serverSideEncryption: "aws:kms",
      sseKmsKeyId: "alias/files",
    });
    expect(s3OptionsFromEnv(base, { dbName: "x" })).not.toHaveProperty(
      "serverSideEncryption",
    );
  });

  it("refuses an unknown AWS_SSE and a KMS key id without aws:kms", () => {
    expect(
      configError({ ...base, AWS_SSE: "aes256" }, "x").problems.map(
        (p) => p.name,
      ),
    ).toEqual(["AWS_SSE"]);
    expect(
      configError(
        { ...base, AWS_SSE: "AES256", AWS_SSE_KMS_KEY_ID: "k" },
        "x",
      ).problems.map((p) => p.name),
    ).toEqual(["AWS_SSE_KMS_KEY_ID"]);
  });

  it("reports malformed values together without echoing the secret", () => {
    const error = configError({
      ...base,
      AWS_HOST: "ftp://host",
      AWS_REGION: "Bad Region",
      AWS_BUCKETNAME: "Bad_Bucket",
    });
    expect(error.problems.map((p) => p.name)).toEqual([
      "AWS_HOST",
      "AWS_REGION",
      "AWS_BUCKETNAME",
    ]);
    expect(error.message).not.toContain("top-secret-value");
  });

  it("refuses credentials embedded in AWS_HOST without showing them", () => {
    const error = configError(
      { ...base, AWS_HOST: "https://user:hunter2@host" },
      "x",
    );
    expect(error.problems).toEqual([
      expect.objectContaining({ name: "AWS_HOST" }),
    ]);
    expect(error.message).not.toContain("hunter2");
  });

  it("asks for a database name when the bucket name has {db}", () => {
    expect(configError(base).problems).toEqual([
      expect.objectContaining({
        name: "AWS_BUCKETNAME",
        problem: "contains {db} but no database name was given",
        variable: "AWS_BUCKETNAME",
      }),
    ]);
  });

  it("rejects a database name that makes an invalid bucket name", () => {
    expect(configError(base, "My_DB").problems.map((p) => p.name)).toEqual([
      "AWS_BUCKETNAME",
    ]);
  });

  it("reads only the documented variables", () => {
    const env = {
      ...base,
      AWS_CA_BUNDLE: "/etc/ca.pem",
      AWS_PROFILE: "other",
      AWS_ENDPOINT_URL: "https://elsewhere",
    };
    const reads = new Set<string>();
    const spy = new Proxy(env, {
      get: (target, name) => {
        if (typeof name === "string") reads.add(name);
        return Reflect.get(target, name) as unknown;
      },
    });
    s3OptionsFromEnv(spy, { dbName: "x" });
    expect([...reads].sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_BUCKETNAME",
      "AWS_HOST",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SSE",
      "AWS_SSE_KMS_KEY_ID",
    ]);
  });
});
