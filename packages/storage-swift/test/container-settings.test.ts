import { afterAll, describe, expect, it } from "@jest/globals";
import { isStorageError } from "@cloud-platform/storage-core";
import {
  configureSwiftContainer,
  createSwiftStore,
} from "../src/swift-store.js";
import { dropContainer, freshStore, swiftRaw, tempAuth } from "./helpers.js";

const { store: writer, container } = freshStore(tempAuth);
const options = { container, auth: tempAuth, containerTempUrlKey: true };
afterAll(() => dropContainer(tempAuth, container));

async function containerHeader(name: string): Promise<string | null> {
  const response = await swiftRaw(tempAuth, "HEAD", `/${container}`);
  return response.headers.get(name);
}

describe("swift container settings (TempURL key in the container, CORS)", () => {
  it("fails to sign with E_NOT_CONFIGURED while the container has no key", async () => {
    await writer.put("file.txt", "hello");
    const store = createSwiftStore(options);
    expect(typeof store.signedUrl).toBe("function");
    const error = await store.signedUrl!("file.txt").catch((e: unknown) => e);
    expect(isStorageError(error, "E_NOT_CONFIGURED")).toBe(true);
    expect((error as Error).message).toContain("cloud-platform install");
  });

  it("sets a random key once, keeps it, and signs with it (GET and PUT)", async () => {
    const first = await configureSwiftContainer(options, { tempUrlKey: true });
    expect(first.tempUrlKey).toBe("created");
    const key = await containerHeader("x-container-meta-temp-url-key");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(first)).not.toContain(key!);
    const again = await configureSwiftContainer(options, { tempUrlKey: true });
    expect(again.tempUrlKey).toBe("kept");
    expect(await containerHeader("x-container-meta-temp-url-key")).toBe(key);

    const store = createSwiftStore(options);
    const get = await store.signedUrl!("file.txt", { expiresIn: 60 });
    expect(await (await fetch(get)).text()).toBe("hello");
    const put = await store.signedUrl!("direct.bin", {
      method: "PUT",
      expiresIn: 60,
    });
    const sent = await fetch(put, {
      method: "PUT",
      body: "from a browser",
      headers: { "content-type": "application/x-test" },
    });
    expect(sent.status).toBe(201);
    const info = await store.head("direct.bin");
    expect(info.size).toBe(14);
    expect(info.contentType).toBe("application/x-test");
  });

  it("names the download with the TempURL filename", async () => {
    const store = createSwiftStore(options);
    const url = await store.signedUrl!("file.txt", {
      fileName: "Rapport été.txt",
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const disposition = response.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^attachment;/);
    expect(decodeURIComponent(disposition)).toContain("Rapport été.txt");
    await response.text();
  });

  it("allows the CORS origins it was given, and only those", async () => {
    const origin = "http://127.0.0.1:3999";
    const set = await configureSwiftContainer(options, {
      corsOrigins: [origin, "https://app.example.com"],
    });
    expect(set.corsOrigins).toEqual([origin, "https://app.example.com"]);
    const url = await createSwiftStore(options).signedUrl!("cors.bin", {
      method: "PUT",
    });
    const preflight = (from: string): Promise<Response> =>
      fetch(url, {
        method: "OPTIONS",
        headers: {
          origin: from,
          "access-control-request-method": "PUT",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight(origin);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(origin);
    await allowed.text();
    const refused = await preflight("http://evil.example");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    await refused.text();

    await configureSwiftContainer(options, { corsOrigins: [] });
    expect(
      await containerHeader("x-container-meta-access-control-allow-origin"),
    ).toBeNull();
  });

  it("refuses what is not an origin, before any request", async () => {
    for (const bad of [
      "http://a.example/path",
      "ftp://a.example",
      "a.example",
    ]) {
      const error = await configureSwiftContainer(options, {
        corsOrigins: [bad],
      }).catch((e: unknown) => e);
      expect(isStorageError(error, "E_INVALID_ARGUMENT")).toBe(true);
    }
  });
});
