import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Server } from "node:http";
import { createLogger } from "@cloud-platform/logging-json";
import {
  createPlatform,
  loadPlatformConfig,
  type Platform,
} from "@cloud-platform/platform";
import type { Attachments } from "@cloud-platform/storage-core";
import { createApp } from "../src/app.js";
import {
  call,
  download,
  login,
  me,
  randomBody,
  sha256,
  uploadRaw,
} from "./client.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

/** The regular files of the filestore, bookkeeping folders (`.cp-*`) included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {
    recursive: true,
    withFileTypes: true,
  }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name));
}

const BOUNDARY = "cp-test-boundary-4f1c";

/** Sends the head of an upload (raw, chunked or multipart) and part of its body, then cuts the connection. */
async function truncatedUpload(
  port: number,
  cookie: string,
  declared: number | "chunked" | "multipart",
  sent: number,
): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  const head = [
    "POST /attachments HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    `Cookie: ${cookie}`,
    declared === "multipart"
      ? `Content-Type: multipart/form-data; boundary=${BOUNDARY}`
      : "Content-Type: application/octet-stream",
    "X-Filename: cut.bin",
    declared === "chunked"
      ? "Transfer-Encoding: chunked"
      : `Content-Length: ${declared === "multipart" ? 1_000_000 : declared}`,
    "",
    "",
  ].join("\r\n");
  socket.write(head);
  const part = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const body =
    declared === "chunked"
      ? Buffer.concat([
          Buffer.from(`${sent.toString(16)}\r\n`),
          randomBody(sent),
          Buffer.from("\r\n"),
        ])
      : declared === "multipart"
        ? Buffer.concat([Buffer.from(part), randomBody(sent)])
        : randomBody(sent);
  await new Promise<void>((resolve) => socket.write(body, () => resolve()));
  socket.destroy();
}

/** One instance, in process, on SQLite and a local filestore (the dev defaults). */
describe("the example app HTTP surface", () => {
  let dir = "";
  let platform: Platform | undefined;
  let server: Server | undefined;
  let url = "";
  let cookie = "";
  /** The app's JSON log lines. */
  const logs: Record<string, unknown>[] = [];
  /** How each create() of the app ended: `stored`, or the error code. */
  const creations: Promise<string>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-http-"));
    const config = loadPlatformConfig(
      {
        DATABASE_URL: join(dir, "index.sqlite"),
        FILESTORE_PATH: join(dir, "filestore"),
        APP_VERSION: "1.0.0",
      },
      { serviceName: "example-test" },
    );
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logs.push(
          ...chunk
            .toString()
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
        done();
      },
    });
    platform = await createPlatform(config, {
      logger: createLogger({
        service: { name: "example-test" },
        json: true,
        destination: sink,
      }),
    });
    // The same service, with each create() kept: a test can wait until an upload has settled.
    const attachments: Attachments = {
      ...platform.attachments,
      create: (input) => {
        const created = platform!.attachments.create(input);
        creations.push(
          created.then(
            () => "stored",
            (error: unknown) =>
              String((error as { code?: unknown }).code ?? error),
          ),
        );
        return created;
      },
    };
    const app = createApp({ ...platform, attachments });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cookie = await login(url, "tester");
  }, 60_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise(
      (resolve) => server?.close(resolve) ?? resolve(undefined),
    );
    await platform?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("answers 401 to every user route without a session", async () => {
    expect(await me(url, undefined)).toEqual({ status: 401 });
    expect((await call(url, "/attachments", undefined)).status).toBe(401);
    expect(
      (
        await call(url, "/attachments", undefined, {
          method: "POST",
          headers: { "x-filename": "a.txt" },
          body: "a",
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call(
          url,
          "/attachments/01a2a2a2-0000-7000-8000-000000000000",
          undefined,
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await call(
          url,
          "/attachments/01a2a2a2-0000-7000-8000-000000000000",
          undefined,
          { method: "DELETE" },
        )
      ).status,
    ).toBe(401);
  });

  it("refuses a login without a JSON login with 400", async () => {
    const response = await fetch(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"user":"x"}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("refuses a raw upload without X-Filename with 400 and stores nothing", async () => {
    const before = await platform!.attachments.list();
    const response = await call(url, "/attachments", cookie, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "no name",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /X-Filename/,
    );
    expect(await platform!.attachments.list()).toEqual(before);
  });

  it('refuses a multipart upload without a "file" part with 400', async () => {
    const form = new FormData();
    form.set("other", "value");
    const response = await call(url, "/attachments", cookie, {
      method: "POST",
      body: form,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /"file" part/,
    );
  });

  /** Cuts an upload and waits until the create() the server started for it has settled. */
  async function cutUpload(
    declared: number | "chunked" | "multipart",
  ): Promise<string> {
    const settled = creations.length;
    await truncatedUpload(Number(new URL(url).port), cookie, declared, 200_000);
    for (let i = 0; i < 250 && creations.length === settled; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(creations.length).toBe(settled + 1);
    // An upload nobody finishes must still end: bounded, so a hang fails here, not at the test timeout.
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<string>(
      (resolve) =>
        (timer = setTimeout(() => resolve("still pending after 10 s"), 10_000)),
    );
    try {
      return await Promise.race([creations.at(-1)!, pending]);
    } finally {
      clearTimeout(timer);
    }
  }

  it.each<[string, number | "chunked"]>([
    ["cut before its Content-Length", 1_000_000],
    ["sent chunked and cut before its last chunk", "chunked"],
  ])("keeps no attachment from a raw upload %s", async (_what, declared) => {
    const before = (await platform!.attachments.list()).length;
    expect(await cutUpload(declared)).not.toBe("stored");
    const records = await platform!.attachments.list();
    expect(records).toHaveLength(before);
    expect(records.map((r) => r.name)).not.toContain("cut.bin");
    const files = await filesUnder(join(dir, "filestore"));
    expect(files.filter((f) => !f.includes("/.cp-"))).toHaveLength(before);
    expect(files.filter((f) => f.includes("/.cp-tmp/"))).toEqual([]);
  });

  it("keeps no attachment, and leaves no upload pending, from a multipart upload cut in its file part", async () => {
    const before = (await platform!.attachments.list()).length;
    expect(await cutUpload("multipart")).not.toBe("stored");
    expect(await platform!.attachments.list()).toHaveLength(before);
    const files = await filesUnder(join(dir, "filestore"));
    expect(files.filter((f) => !f.includes("/.cp-"))).toHaveLength(before);
    expect(files.filter((f) => f.includes("/.cp-tmp/"))).toEqual([]);
  });

  it("sends a unicode file name in Content-Disposition, with an ASCII fallback", async () => {
    const name = 'rapport été 2026 – 東京 "final".pdf';
    const bytes = randomBody(4096);
    const view = await uploadRaw(url, cookie, name, "application/pdf", bytes);
    expect(view.name).toBe(name);
    const { response, bytes: got } = await download(url, cookie, view.id);
    expect(got.equals(bytes)).toBe(true);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    const header = response.headers.get("content-disposition") ?? "";
    const fallback = /filename="([^"]*)"/.exec(header)?.[1] ?? "";
    expect(fallback).toMatch(/^[\x20-\x7e]+$/);
    expect(fallback).toContain("rapport");
    const encoded = /filename\*=UTF-8''(\S+)/.exec(header)?.[1] ?? "";
    expect(decodeURIComponent(encoded)).toBe(name);
  });

  it.each([
    ["page.html", "text/html", "<script>alert(document.cookie)</script>"],
    [
      "drawing.svg",
      "image/svg+xml",
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    ],
  ])(
    "serves a stored %s as an attachment the browser may neither sniff nor run",
    async (name, mimetype, content) => {
      const view = await uploadRaw(
        url,
        cookie,
        name,
        mimetype,
        Buffer.from(content),
      );
      for (const method of ["GET", "HEAD"]) {
        const response = await call(url, `/attachments/${view.id}`, cookie, {
          method,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        const csp = response.headers.get("content-security-policy") ?? "";
        expect(csp).toMatch(/(^|;)\s*sandbox\s*(;|$)/);
        expect(csp).toMatch(/default-src 'none'/);
        expect(response.headers.get("content-disposition")).toMatch(
          /^attachment;/,
        );
      }
    },
  );

  it("keeps quotes and parentheses of a name inside the Content-Disposition values", async () => {
    const name = `it's (really) "x"; filename=evil.html*.txt`;
    const view = await uploadRaw(
      url,
      cookie,
      name,
      "text/plain",
      Buffer.from("x"),
    );
    const header =
      (await call(url, `/attachments/${view.id}`, cookie)).headers.get(
        "content-disposition",
      ) ?? "";
    // RFC 8187: the extended value is attr-chars and %XX only, and the fallback is one quoted string.
    expect(header).toMatch(
      /^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+$/,
    );
    const encoded = /filename\*=UTF-8''(\S+)$/.exec(header)?.[1] ?? "";
    expect(decodeURIComponent(encoded)).toBe(name);
  });

  it("answers 416 to a range past the end and 404 to an unknown id", async () => {
    const view = await uploadRaw(
      url,
      cookie,
      "small.txt",
      "text/plain",
      Buffer.from("0123456789"),
    );
    const past = await call(url, `/attachments/${view.id}`, cookie, {
      headers: { range: "bytes=50-60" },
    });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe("bytes */10");
    const suffix = await call(url, `/attachments/${view.id}`, cookie, {
      headers: { range: "bytes=-3" },
    });
    expect(suffix.status).toBe(206);
    expect(await suffix.text()).toBe("789");
    expect(
      (
        await call(
          url,
          "/attachments/01a2a2a2-0000-7000-8000-000000000000",
          cookie,
        )
      ).status,
    ).toBe(404);
  });

  it("lists attachments in pages with after and limit", async () => {
    for (const name of ["page-1.txt", "page-2.txt"])
      await uploadRaw(url, cookie, name, "text/plain", randomBody(10));
    const all = (await (
      await call(url, "/attachments?limit=1000", cookie)
    ).json()) as { id: string }[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    const first = (await (
      await call(url, "/attachments?limit=1", cookie)
    ).json()) as { id: string }[];
    expect(first.map((v) => v.id)).toEqual([all[0]!.id]);
    const second = (await (
      await call(url, `/attachments?limit=1&after=${first[0]!.id}`, cookie)
    ).json()) as { id: string }[];
    expect(second.map((v) => v.id)).toEqual([all[1]!.id]);
  });

  it.each(["1.5", "-1", "0", "abc", ""])(
    "refuses ?limit=%s with 400",
    async (limit) => {
      const response = await call(url, `/attachments?limit=${limit}`, cookie);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /limit/,
      );
    },
  );

  it("does not log a download the client cut as a server error", async () => {
    const view = await uploadRaw(
      url,
      cookie,
      "big-download.bin",
      "application/octet-stream",
      randomBody(4 * 1024 * 1024),
    );
    const socket = connect(Number(new URL(url).port), "127.0.0.1");
    socket.write(
      `GET /attachments/${view.id} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\n\r\n`,
    );
    // The first bytes of the answer: the file is being streamed; then the client goes away.
    await new Promise((resolve) => socket.once("data", resolve));
    socket.destroy();
    const cut = (l: Record<string, unknown>): boolean =>
      l["url.path"] === `/attachments/${view.id}` &&
      String(l.message).includes("client went away");
    for (let i = 0; i < 250 && !logs.some(cut); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(logs.some(cut)).toBe(true);
    // The read's abort surfaces a moment after the close; give it that moment.
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.filter((l) => l["log.level"] === "error")).toEqual([]);
  });

  it("deletes an attachment: 204, then 404 for the download and a second delete", async () => {
    const bytes = randomBody(2000);
    const view = await uploadRaw(
      url,
      cookie,
      "to-delete.bin",
      "application/octet-stream",
      bytes,
    );
    expect(view.checksum).toBe(sha256(bytes));
    expect(
      (await call(url, `/attachments/${view.id}`, cookie, { method: "DELETE" }))
        .status,
    ).toBe(204);
    expect((await call(url, `/attachments/${view.id}`, cookie)).status).toBe(
      404,
    );
    expect(
      (await call(url, `/attachments/${view.id}`, cookie, { method: "DELETE" }))
        .status,
    ).toBe(404);
    const listed = (await (await call(url, "/attachments", cookie)).json()) as {
      id: string;
    }[];
    expect(listed.map((v) => v.id)).not.toContain(view.id);
  });
});
