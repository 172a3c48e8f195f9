import { afterAll, describe, expect, it } from "@jest/globals";
import { Readable } from "node:stream";
import { isStorageError } from "@cloud-platform/storage-core";
import {
  containerNames,
  dropContainer,
  freshStore,
  tempAuth,
} from "./helpers.js";

type Fault = "status-503" | "network";

/** The real fetch, with faults injected into the requests that match: a way to act out a flaky network. */
function faultyFetch() {
  const plan: {
    match: (method: string, url: string) => boolean;
    fault: Fault;
  }[] = [];
  const calls: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url =
      input instanceof Request
        ? input.url
        : input instanceof URL
          ? input.href
          : input;
    const method = init?.method ?? "GET";
    calls.push(`${method} ${url}`);
    const index = plan.findIndex((p) => p.match(method, url));
    if (index >= 0) {
      const fault = plan.splice(index, 1)[0]!.fault;
      if (fault === "network")
        throw new TypeError("fetch failed", { cause: new Error("ECONNRESET") });
      return new Response("busy", { status: 503 });
    }
    return fetch(input, init);
  };
  return { plan, calls, fetch: wrapped };
}

const faults = faultyFetch();
const { store, container } = freshStore(tempAuth, {
  fetch: faults.fetch,
  retry: { retries: 3, minDelayMs: 5 },
  segmentSize: 64 * 1024,
  largeObjectThreshold: 100 * 1024,
});
afterAll(() => dropContainer(tempAuth, container));

const isPut = (key: string) => (method: string, url: string) =>
  method === "PUT" && url.includes(`/${container}/${key}`);

describe("transient failures", () => {
  it("retries a buffered PUT answered with 503", async () => {
    faults.plan.push({ match: isPut("r/buffer"), fault: "status-503" });
    await store.put("r/buffer", "survives");
    expect(faults.calls.filter((c) => c.includes("/r/buffer")).length).toBe(2);
    expect((await store.get("r/buffer")).toString()).toBe("survives");
  });

  it("retries a GET that hit a network error", async () => {
    faults.plan.push(
      {
        match: (m, u) => m === "GET" && u.endsWith("/r/buffer"),
        fault: "network",
      },
      {
        match: (m, u) => m === "GET" && u.endsWith("/r/buffer"),
        fault: "network",
      },
    );
    expect((await store.get("r/buffer")).toString()).toBe("survives");
  });

  it("gives up with E_UNAVAILABLE after the retries", async () => {
    for (let i = 0; i < 4; i++)
      faults.plan.push({
        match: (m, u) => m === "HEAD" && u.endsWith("/r/down"),
        fault: "status-503",
      });
    const error = await store.head("r/down").catch((e: unknown) => e);
    expect(isStorageError(error, "E_UNAVAILABLE")).toBe(true);
  });

  it("never replays a streamed segment: E_UNAVAILABLE, and no segment or object left", async () => {
    faults.plan.push({
      match: (m, u) =>
        m === "PUT" &&
        u.includes("_segments/r/stream/") &&
        u.endsWith("00000002"),
      fault: "status-503",
    });
    const source = Readable.from(
      Array.from({ length: 20 }, () => Buffer.alloc(10_000, 7)),
    );
    const error = await store.put("r/stream", source).catch((e: unknown) => e);
    expect(isStorageError(error, "E_UNAVAILABLE")).toBe(true);
    expect(faults.calls.filter((c) => c.endsWith("00000002")).length).toBe(1);
    expect(await store.exists("r/stream")).toBe(false);
    expect(
      await containerNames(tempAuth, `${container}_segments`, "r/stream/"),
    ).toEqual([]);
  });
});

describe("single streamed PUT (known size, under the threshold)", () => {
  const { store: big, container: bigContainer } = freshStore(tempAuth);
  afterAll(() => dropContainer(tempAuth, bigContainer));
  const size = 12 * 1024 * 1024;

  it("keeps the previous object when the source fails half-way", async () => {
    await big.put("s/file", "previous");
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= size / 2)
          return void this.destroy(new Error("disk read error"));
        sent += 1024 * 1024;
        this.push(Buffer.alloc(1024 * 1024, 1));
      },
    });
    const error = await big
      .put("s/file", source, { size })
      .catch((e: unknown) => e);
    expect(isStorageError(error)).toBe(true);
    expect((error as Error).message).toContain("disk read error");
    expect((await big.get("s/file")).toString()).toBe("previous");
  });

  it("streams the body without buffering it and stores it whole", async () => {
    const source = Readable.from(
      Array.from({ length: 12 }, (_, i) => Buffer.alloc(1024 * 1024, i)),
    );
    const result = await big.put("s/whole", source, { size });
    expect(result.size).toBe(size);
    const back = await big.get("s/whole");
    expect(back.length).toBe(size);
    expect(back[size - 1]).toBe(11);
  });
});
