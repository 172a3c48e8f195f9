import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { uniqueName } from "@cloud-platform/test-services";
import { httpFetch } from "../src/http-fetch.js";
import { rawToken, tempAuth } from "./helpers.js";

describe("httpFetch, the store's default fetch, against the local Swift", () => {
  let storageUrl: string;
  let token: string;
  const container = uniqueName("cp-httpfetch");

  beforeAll(async () => {
    ({ storageUrl, token } = await rawToken(tempAuth));
    const made = await httpFetch(`${storageUrl}/${container}`, {
      method: "PUT",
      headers: { "x-auth-token": token },
    });
    expect(made.status).toBe(201);
    await made.body?.cancel();
  });

  afterAll(async () => {
    const listing = await httpFetch(`${storageUrl}/${container}?format=json`, {
      headers: { "x-auth-token": token },
    });
    for (const { name } of (await listing.json()) as { name: string }[])
      await (
        await httpFetch(`${storageUrl}/${container}/${name}`, {
          method: "DELETE",
          headers: { "x-auth-token": token },
        })
      ).body?.cancel();
    await (
      await httpFetch(`${storageUrl}/${container}`, {
        method: "DELETE",
        headers: { "x-auth-token": token },
      })
    ).body?.cancel();
  });

  it("answers as fetch does: status, headers, a JSON body, an error status", async () => {
    const info = await httpFetch(new URL("/info", storageUrl));
    expect(info.status).toBe(200);
    expect(info.headers.get("content-type")).toMatch(/json/);
    expect(((await info.json()) as { swift: object }).swift).toBeDefined();
    const empty = await httpFetch(`${storageUrl}/${container}/none`, {
      method: "DELETE",
      headers: { "x-auth-token": token },
    });
    expect(empty.status).toBe(404);
    await empty.body?.cancel();
  });

  it("sends a buffer and a web-stream body, and streams the answer back", async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 7, "y");
    const put = await httpFetch(`${storageUrl}/${container}/buffer`, {
      method: "PUT",
      headers: { "x-auth-token": token },
      body: data,
    });
    expect(put.status).toBe(201);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= data.length) return controller.close();
        const chunk = data.subarray(sent, sent + 65_536);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const streamed = await httpFetch(`${storageUrl}/${container}/stream`, {
      method: "PUT",
      headers: { "x-auth-token": token },
      body: stream,
      duplex: "half",
    });
    expect(streamed.status).toBe(201);
    for (const name of ["buffer", "stream"]) {
      const got = await httpFetch(`${storageUrl}/${container}/${name}`, {
        headers: { "x-auth-token": token },
      });
      expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
    }
  });

  it("rejects with an AbortError when its signal aborts, before and during the answer", async () => {
    const stop = new AbortController();
    stop.abort();
    await expect(
      httpFetch(`${storageUrl}/${container}/buffer`, {
        headers: { "x-auth-token": token },
        signal: stop.signal,
      }),
    ).rejects.toMatchObject({ name: "AbortError" });
    const later = new AbortController();
    const answer = await httpFetch(`${storageUrl}/${container}/buffer`, {
      headers: { "x-auth-token": token },
      signal: later.signal,
    });
    const reader = answer.body!.getReader();
    await reader.read();
    later.abort();
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toBeDefined();
  });

  it("fails like fetch when nothing listens, with the cause", async () => {
    const error = await httpFetch("http://127.0.0.1:1/").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("httpFetch and a request body that fails", () => {
  let server: Server;
  let url: string;
  let received = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.on("data", (chunk: Buffer) => (received += chunk.length));
      req.on("end", () => res.end("complete"));
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  it("cuts the request, so the server never sees a complete body", async () => {
    let pulls = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        if (pulls > 3) return controller.error(new Error("source broke"));
        controller.enqueue(Buffer.alloc(1000, 1));
      },
    });
    const outcome = await httpFetch(url, {
      method: "PUT",
      body: failing,
      duplex: "half",
    }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(TypeError);
    expect(received).toBeLessThanOrEqual(3000);
  });
});
