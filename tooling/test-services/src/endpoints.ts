/**
 * Where the real services of the test run listen. `scripts/services.sh start` starts them
 * and prints these variables; the defaults are the loopback values it uses, so a test run
 * works without sourcing anything.
 */
export interface TestEndpoints {
  /** PostgreSQL URL of a database the tests may create schemas in. */
  postgresUrl: string;
  /** The shared Redis server. */
  redisUrl: string;
  /** S3 API of the local Swift (path-style, SigV4). */
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
  };
  /** Swift API with tempauth (auth v1). */
  swiftV1: { authUrl: string; user: string; key: string };
  /** Swift behind a real Keystone v3. */
  keystone: {
    authUrl: string;
    user: string;
    password: string;
    projectName: string;
    domain: string;
    region: string;
  };
}

const env = (name: string, fallback: string): string =>
  process.env[name] ?? fallback;

/** Reads the `CP_TEST_*` variables, falling back to the loopback defaults. */
export function testEndpoints(): TestEndpoints {
  return {
    postgresUrl: env(
      "CP_TEST_POSTGRES_URL",
      "postgres://postgres@127.0.0.1:5432/test",
    ),
    redisUrl: env("CP_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
    s3: {
      endpoint: env("CP_TEST_S3_ENDPOINT", "http://127.0.0.1:8080"),
      region: env("CP_TEST_S3_REGION", "us-east-1"),
      accessKeyId: env("CP_TEST_S3_ACCESS_KEY_ID", "test:tester"),
      secretAccessKey: env("CP_TEST_S3_SECRET_ACCESS_KEY", "testing"),
    },
    swiftV1: {
      authUrl: env("CP_TEST_SWIFT_AUTH_URL", "http://127.0.0.1:8080/auth/v1.0"),
      user: env("CP_TEST_SWIFT_USER", "test:tester"),
      key: env("CP_TEST_SWIFT_KEY", "testing"),
    },
    keystone: {
      authUrl: env("CP_TEST_KEYSTONE_URL", "http://127.0.0.1:5000/v3"),
      user: env("CP_TEST_KEYSTONE_USER", "tester"),
      password: env("CP_TEST_KEYSTONE_PASSWORD", "testing"),
      projectName: env("CP_TEST_KEYSTONE_PROJECT", "test"),
      domain: env("CP_TEST_KEYSTONE_DOMAIN", "default"),
      region: env("CP_TEST_KEYSTONE_REGION", "RegionOne"),
    },
  };
}

/** A name unique to this test run, usable as a bucket, container, schema or key prefix. */
export function uniqueName(prefix: string): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now().toString(36)}-${rand}`.toLowerCase();
}
