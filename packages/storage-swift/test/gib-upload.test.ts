import { afterAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import {
  patternStream,
  sampleRss,
  sha256Hex,
} from "@cloud-platform/storage-contract";
import {
  containerNames,
  dropContainer,
  freshStore,
  swiftRaw,
  tempAuth,
} from "./helpers.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// The proof: 1 GiB streamed (generated on the fly, never held) with 100 MiB segments.
const { store, container } = freshStore(tempAuth, {
  segmentSize: 100 * MiB,
  largeObjectThreshold: 100 * MiB,
});
afterAll(() => dropContainer(tempAuth, container), 120_000);

describe("a 1 GiB streamed upload", () => {
  it("is stored as an SLO of 100 MiB segments, reads back identical with flat memory, and its delete removes the segments", async () => {
    const hashIn = createHash("sha256");
    const put = await sampleRss(() =>
      store.put(
        "gib/object",
        patternStream(GiB, { seed: 99, onChunk: (c) => hashIn.update(c) }),
        { contentType: "application/x-gib" },
      ),
    );
    expect(put.result.size).toBe(GiB);
    expect(put.growth).toBeLessThan(100 * MiB);

    const head = await swiftRaw(tempAuth, "HEAD", `/${container}/gib/object`);
    expect(head.headers.get("x-static-large-object")).toBe("True");
    expect(Number(head.headers.get("content-length"))).toBe(GiB);
    expect(
      (await containerNames(tempAuth, `${container}_segments`, "gib/object/"))!
        .length,
    ).toBe(Math.ceil(GiB / (100 * MiB)));

    const get = await sampleRss(async () =>
      sha256Hex(await store.getStream("gib/object")),
    );
    expect(get.result).toBe(hashIn.digest("hex"));
    expect(get.growth).toBeLessThan(100 * MiB);

    await store.delete("gib/object");
    expect(await store.exists("gib/object")).toBe(false);
    expect(
      await containerNames(tempAuth, `${container}_segments`, "gib/object/"),
    ).toEqual([]);
  }, 600_000);
});
