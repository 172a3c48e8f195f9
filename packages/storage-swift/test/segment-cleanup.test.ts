import { afterAll, beforeEach, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  containerNames,
  dropContainer,
  freshStore,
  swiftRaw,
  tempAuth,
} from "./helpers.js";

/** The requests the store sends, as `METHOD path?query`, through the real fetch. */
const sent: string[] = [];
const counting: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  sent.push(
    `${init?.method ?? "GET"} ${decodeURIComponent(url.pathname)}${url.search}`,
  );
  return fetch(input, init);
};

// Small segments so that a few hundred KB make a multi-segment Static Large Object.
const { store, container } = freshStore(tempAuth, {
  segmentSize: 64 * 1024,
  largeObjectThreshold: 100 * 1024,
  fetch: counting,
});
const segments = `${container}_segments`;
afterAll(() => dropContainer(tempAuth, container));
beforeEach(() => {
  sent.length = 0;
});

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");
const sha256 = (s: string): string =>
  createHash("sha256").update(s).digest("hex");

/** A key of `bytes` bytes: its segments go under its SHA-256. */
const longKey = (tag: string, length = 950): string =>
  `long/${tag}/${"k".repeat(length - tag.length - 6)}`;

describe("bulk deletes of a garbage collection", () => {
  it("list the segments container once for several calls, and still remove every large object's segments", async () => {
    // A store of its own: every listing it ever sends is counted.
    const own = freshStore(tempAuth, {
      segmentSize: 64 * 1024,
      largeObjectThreshold: 100 * 1024,
      fetch: counting,
    });
    const ownSegments = `${own.container}_segments`;
    try {
      const first = Array.from({ length: 40 }, (_, i) => `gc/a${i}`);
      const second = Array.from({ length: 40 }, (_, i) => `gc/b${i}`);
      await Promise.all(
        [...first, ...second].map((key) => own.store.put(key, key)),
      );
      await own.store.put(first[39]!, bytes(150_000, 1));
      await own.store.put(second[39]!, bytes(150_000, 2));
      await own.store.deleteMany!(first);
      await own.store.deleteMany!(second);
      const listings = sent.filter((r) =>
        r.startsWith(`GET /v1/AUTH_test/${ownSegments}?`),
      );
      console.log(
        `segments container listings, 82 puts then 2 bulk deleteMany calls: ${listings.length}`,
      );
      expect(listings).toHaveLength(1);
      expect(await containerNames(tempAuth, ownSegments, "gc/")).toEqual([]);
      for (const key of [...first, ...second])
        expect(await own.store.exists(key)).toBe(false);
    } finally {
      await dropContainer(tempAuth, own.container);
    }
  });

  it("still remove the segments of a large object this store wrote after the listing", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `gc2/k${i}`);
    await Promise.all(keys.map((key) => store.put(key, key)));
    await store.deleteMany!(keys);
    await store.put("gc2/k0", bytes(150_000, 3));
    await store.deleteMany!(keys);
    expect(await containerNames(tempAuth, segments, "gc2/")).toEqual([]);
  });

  it("remove the segments of a large object whose key is over 900 bytes", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `gc3/k${i}`);
    const long = longKey("bulk");
    await Promise.all(keys.map((key) => store.put(key, key)));
    await store.put(long, bytes(150_000, 4));
    expect(
      (await containerNames(tempAuth, segments, `${sha256(long)}/slo/`))!
        .length,
    ).toBe(3);
    await store.deleteMany!([...keys, long]);
    expect(await store.exists(long)).toBe(false);
    expect(
      await containerNames(tempAuth, segments, `${sha256(long)}/slo/`),
    ).toEqual([]);
  });
});

describe("leftovers of keys over 900 bytes", () => {
  it("lists a cut upload's segment set under the hashed base with its key, removes it, and keeps the live object's", async () => {
    const long = longKey("cut");
    const data = bytes(150_000, 5);
    await store.put(long, data);
    const base = `${sha256(long)}/slo/`;
    const live = await containerNames(tempAuth, segments, base);
    // A killed upload of the same key: segments without a manifest.
    const cut = `${base}${Date.now().toString(36)}-0badc0de/`;
    await swiftRaw(tempAuth, "PUT", `/${segments}/${cut}00000001`, {
      body: "orphan segment",
    }).then((r) => r.text());
    const found = [];
    for await (const leftover of store.listLeftovers!()) found.push(leftover);
    expect(found).toEqual([
      expect.objectContaining({
        kind: "segments",
        key: long,
        id: cut,
        size: 14,
      }),
    ]);
    await store.removeLeftover!(found[0]!);
    expect(await containerNames(tempAuth, segments, base)).toEqual(live);
    expect(md5(await store.get(long))).toBe(md5(data));
  });

  it("lists the segment set of a long key that is gone, and never the set of a live one", async () => {
    const long = longKey("gone");
    const kept = longKey("kept");
    await store.put(long, bytes(150_000, 6));
    await store.put(kept, bytes(150_000, 7));
    // A plain delete of the manifest (as a bulk delete does) leaves the segments.
    await swiftRaw(
      tempAuth,
      "DELETE",
      `/${container}/${long.split("/").map(encodeURIComponent).join("/")}`,
    ).then((r) => r.text());
    const found = [];
    for await (const leftover of store.listLeftovers!()) found.push(leftover);
    expect(found).toEqual([
      expect.objectContaining({ kind: "segments", key: sha256(long) }),
    ]);
    await store.removeLeftover!(found[0]!);
    expect(
      await containerNames(tempAuth, segments, `${sha256(long)}/slo/`),
    ).toEqual([]);
    expect(md5(await store.get(kept))).toBe(md5(bytes(150_000, 7)));
  });
});

describe("a plain put over a key", () => {
  it("removes the segments of the large object it replaced once the new object is stored", async () => {
    await store.put("over/slo", bytes(200_000, 8));
    expect(
      (await containerNames(tempAuth, segments, "over/slo/"))!.length,
    ).toBe(4);
    await store.put("over/slo", "small now");
    expect((await store.get("over/slo")).toString()).toBe("small now");
    expect(await containerNames(tempAuth, segments, "over/slo/")).toEqual([]);
  });

  it("removes them for a streamed plain put too", async () => {
    await store.put("over/stream", bytes(200_000, 9));
    const data = bytes(90_000, 10);
    await store.put("over/stream", Readable.from([data]), { size: 90_000 });
    expect(md5(await store.get("over/stream"))).toBe(md5(data));
    expect(await containerNames(tempAuth, segments, "over/stream/")).toEqual(
      [],
    );
  });

  it("sends its PUT alone over a plain object and on a new key", async () => {
    await store.put("over/plain", "first");
    sent.length = 0;
    await store.put("over/plain", "second");
    await store.put("over/new", "new");
    expect(sent).toEqual([
      expect.stringMatching(/^PUT \/v1\/AUTH_test\/[^/]+\/over\/plain$/),
      expect.stringMatching(/^PUT \/v1\/AUTH_test\/[^/]+\/over\/new$/),
    ]);
    expect((await store.get("over/plain")).toString()).toBe("second");
  });

  it("sends one PUT per file for a run of new keys, with at most one listing for all", async () => {
    const fresh = freshStore(tempAuth, { fetch: counting });
    try {
      // The first put lists the segments container (none yet): one request per few minutes.
      await fresh.store.put("init", "");
      sent.length = 0;
      for (let i = 0; i < 20; i++)
        await fresh.store.put(`run/f${i}`, bytes(1000, i));
      expect(sent.filter((r) => r.startsWith("PUT "))).toHaveLength(20);
      expect(sent).toHaveLength(20);
    } finally {
      await dropContainer(tempAuth, fresh.container);
    }
  });
});
