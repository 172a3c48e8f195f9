import { describe, expect, it } from "@jest/globals";
import { createCachedLookup, type Resolver } from "../src/dns-cache.js";

/** An in-memory resolver counting its calls; answers are queued so tests control timing. */
function fakeResolver(answers: (string | Error)[]): {
  resolve: Resolver;
  calls: () => number;
} {
  let calls = 0;
  const resolve: Resolver = (_host, _options, callback) => {
    calls += 1;
    const answer = answers.shift() ?? new Error("no more answers");
    setImmediate(() => {
      if (answer instanceof Error)
        callback(Object.assign(answer, { code: "ENOTFOUND" }), "", 4);
      else callback(null, answer, 4);
    });
  };
  return { resolve, calls: () => calls };
}

function lookupOnce(
  lookup: ReturnType<typeof createCachedLookup>,
  host: string,
): Promise<{ error: unknown; address: string }> {
  return new Promise((resolve) => {
    lookup(host, 4, (error, address) => resolve({ error, address }));
  });
}

describe("createCachedLookup", () => {
  it("resolves a host once for many packets and concurrent lookups", async () => {
    const fake = fakeResolver(["10.0.0.7"]);
    const lookup = createCachedLookup(60_000, fake.resolve);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => lookupOnce(lookup, "statsd.example")),
    );
    results.push(await lookupOnce(lookup, "statsd.example"));
    expect(new Set(results.map((r) => r.address))).toEqual(
      new Set(["10.0.0.7"]),
    );
    expect(fake.calls()).toBe(1);
  });

  it("caches a failed resolution too", async () => {
    const fake = fakeResolver([new Error("nope")]);
    const lookup = createCachedLookup(60_000, fake.resolve);
    const first = await lookupOnce(lookup, "statsd.invalid");
    const second = await lookupOnce(lookup, "statsd.invalid");
    expect(first.error).toBeInstanceOf(Error);
    expect(second.error).toBe(first.error);
    expect(fake.calls()).toBe(1);
  });

  it("keeps the last good address when a refresh fails", async () => {
    const fake = fakeResolver(["10.0.0.7", new Error("dns down")]);
    const lookup = createCachedLookup(0, fake.resolve);
    expect((await lookupOnce(lookup, "statsd.example")).address).toBe(
      "10.0.0.7",
    );
    const refreshed = await lookupOnce(lookup, "statsd.example");
    expect(refreshed).toEqual({ error: null, address: "10.0.0.7" });
    expect(fake.calls()).toBe(2);
  });

  it("answers IP literals without resolving", async () => {
    const fake = fakeResolver([]);
    const lookup = createCachedLookup(60_000, fake.resolve);
    expect(await lookupOnce(lookup, "127.0.0.1")).toEqual({
      error: null,
      address: "127.0.0.1",
    });
    expect(fake.calls()).toBe(0);
  });
});
