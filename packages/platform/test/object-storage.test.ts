import { describe, expect, it } from "@jest/globals";
import { testEndpoints } from "@cloud-platform/test-services";
import { createObjectStorage } from "../src/object-storage.js";

const ep = testEndpoints();

const s3 = (
  bucket: string | undefined,
): Record<string, string | undefined> => ({
  AWS_HOST: ep.s3.endpoint,
  AWS_REGION: ep.s3.region,
  AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
  AWS_BUCKETNAME: bucket,
});

const swift = (
  container: string | undefined,
): Record<string, string | undefined> => ({
  SWIFT_AUTH_URL: ep.swiftV1.authUrl,
  SWIFT_ACCOUNT: ep.swiftV1.user,
  SWIFT_PASSWORD: ep.swiftV1.key,
  SWIFT_WRITE_CONTAINER: container,
});

/**
 * An empty write bucket/container means read only: no write store at all (before, the
 * mappers were handed a stand-in name, `read-only-stand-in`, that every foreign store
 * carried as its default). Nothing here is contacted: stores connect on first use.
 */
describe("createObjectStorage", () => {
  it.each([
    ["exoscale", s3],
    ["ovh", swift],
  ] as const)(
    "%s: an unset or empty write name opens no write store, foreign ones still open",
    async (kind, env) => {
      for (const name of [undefined, "", " "]) {
        const storage = createObjectStorage(kind, env(name), {
          dbName: "acme",
        });
        try {
          expect(storage.stores.write).toBeUndefined();
          const foreign = storage.stores.open?.("acme-odoo-prod");
          expect(foreign?.container).toBe("acme-odoo-prod");
          await expect(storage.probe()).resolves.toBeUndefined();
        } finally {
          await storage.close();
        }
      }
    },
  );

  it.each([
    ["exoscale", s3],
    ["ovh", swift],
  ] as const)(
    "%s: a write name opens our write store with {db} replaced",
    async (kind, env) => {
      const storage = createObjectStorage(kind, env("{db}-files"), {
        dbName: "acme",
      });
      try {
        expect(storage.stores.write?.container).toBe("acme-files");
      } finally {
        await storage.close();
      }
    },
  );
});
