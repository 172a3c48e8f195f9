import { afterAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { isStorageError } from "@cloud-platform/storage-core";
import { createSwiftStore } from "../src/swift-store.js";
import {
  containerNames,
  dropContainer,
  freshStore,
  swiftRaw,
  tempAuth,
} from "./helpers.js";

const { store, container } = freshStore(tempAuth, {
  tempUrlKey: "test-temp-url-key",
});
afterAll(() => dropContainer(tempAuth, container));

describe("swift store (tempauth)", () => {
  it("stores and reads back a buffer with its content type and metadata", async () => {
    await store.put("docs/a.txt", "hello", {
      contentType: "text/plain",
      metadata: { owner: "alice" },
    });
    expect((await store.get("docs/a.txt")).toString()).toBe("hello");
    const info = await store.head("docs/a.txt");
    expect(info).toMatchObject({
      key: "docs/a.txt",
      size: 5,
      contentType: "text/plain",
      metadata: { owner: "alice" },
    });
  });

  it("stores a key with spaces, unicode and URL-special characters", async () => {
    const key = "dir/é ü ?#%&+ 日本.bin";
    await store.put(key, Buffer.from([1, 2, 3]));
    expect([...(await store.get(key))]).toEqual([1, 2, 3]);
    const keys: string[] = [];
    for await (const entry of store.list("dir/")) keys.push(entry.key);
    expect(keys).toEqual([key]);
  });

  it("answers E_NOT_FOUND naming the container and key, never a token", async () => {
    const error = await store.get("missing/key").catch((e: unknown) => e);
    expect(isStorageError(error, "E_NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(container);
    expect((error as Error).message).toContain("missing/key");
    expect((error as Error).message).not.toMatch(/AUTH_tk|testing/);
  });

  it("reads byte ranges, clipping an end past the size", async () => {
    await store.put("range.txt", "0123456789");
    expect(
      await text(
        await store.getStream("range.txt", { range: { start: 2, end: 4 } }),
      ),
    ).toBe("234");
    expect(
      await text(
        await store.getStream("range.txt", { range: { start: 7, end: 100 } }),
      ),
    ).toBe("789");
    const past = await store
      .getStream("range.txt", { range: { start: 10 } })
      .catch((e: unknown) => e);
    expect(isStorageError(past, "E_INVALID_RANGE")).toBe(true);
  });

  it("stores a small stream of unknown size in one object", async () => {
    await store.put(
      "stream.txt",
      Readable.from([Buffer.from("ab"), Buffer.from("cd")]),
    );
    expect((await store.get("stream.txt")).toString()).toBe("abcd");
    expect(
      await containerNames(tempAuth, `${container}_segments`),
    ).toBeUndefined();
  });

  it("copies an object server-side with its metadata", async () => {
    await store.put("copy/src", "data", {
      contentType: "text/x-a",
      metadata: { k: "v" },
    });
    await store.copy("copy/src", "copy/dst");
    expect((await store.get("copy/dst")).toString()).toBe("data");
    expect(await store.head("copy/dst")).toMatchObject({
      contentType: "text/x-a",
      metadata: { k: "v" },
    });
  });

  it("deletes idempotently", async () => {
    await store.put("del/x", "x");
    await store.delete("del/x");
    await store.delete("del/x");
    expect(await store.exists("del/x")).toBe(false);
  });

  it("gives a TempURL that works without a token until it expires", async () => {
    await store.put("signed/ü file.txt", "signed!");
    const url = await store.signedUrl!("signed/ü file.txt", { expiresIn: 60 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("signed!");
    expect(url).not.toContain("AUTH_tk");
  });

  it("has no signedUrl without a TempURL key", () => {
    expect("signedUrl" in createSwiftStore({ container, auth: tempAuth })).toBe(
      false,
    );
  });

  it("does not create a missing container unless allowed", async () => {
    const other = createSwiftStore({
      container: `${container}-nope`,
      auth: tempAuth,
    });
    const error = await other.put("a", "b").catch((e: unknown) => e);
    expect(isStorageError(error, "E_NOT_FOUND")).toBe(true);
    expect(
      (await swiftRaw(tempAuth, "HEAD", `/${container}-nope`)).status,
    ).toBe(404);
  });
});

describe("swift store, buffers of several MiB", () => {
  const { store: big, container: bigContainer } = freshStore(tempAuth);
  afterAll(() => dropContainer(tempAuth, bigContainer));

  it("stores a buffer with its MD5 as ETag, checked by the server", async () => {
    const data = Buffer.alloc(6 * 1024 * 1024 + 3, 0x41);
    data[12345] = 7;
    const result = await big.put("several/mib", data);
    expect(result.etag).toBe(createHash("md5").update(data).digest("hex"));
    expect((await big.get("several/mib")).equals(data)).toBe(true);
  });

  it("refuses a streamed PUT whose bytes are not those of the given MD5, keeping the object there", async () => {
    const good = Buffer.alloc(9 * 1024 * 1024, 0x42);
    await big.put("several/kept", good);
    const other = Buffer.from(good);
    other[77] = 0;
    const error = await big
      .put("several/kept", Readable.from([other]), {
        size: other.length,
        md5: createHash("md5").update(good).digest("hex"),
      })
      .catch((e: unknown) => e);
    expect(isStorageError(error, "E_INTEGRITY")).toBe(true);
    expect((await big.get("several/kept")).equals(good)).toBe(true);
  });
});
