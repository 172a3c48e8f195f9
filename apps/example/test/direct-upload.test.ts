import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { Writable } from "node:stream";
import { createLogger } from "@cloud-platform/logging-json";
import { join } from "node:path";
import type { Server } from "node:http";
import {
  createPlatform,
  loadPlatformConfig,
  type Platform,
} from "@cloud-platform/platform";
import { SettingName } from "@cloud-platform/storage-core";
import { openIndex } from "@cloud-platform/storage-sql";
import { createApp } from "../src/app.js";
import { runCli } from "./app-process.js";
import { call, download, login, randomBody, sha256 } from "./client.js";
import {
  containerObjects,
  dropContainer,
  objectStoreEnv,
  uniqueContainer,
} from "./services.js";

jest.setTimeout(180_000);

interface Offer {
  direct: boolean;
  id: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  reason?: string;
}

/** What each kind's store answers (S3 signs size and type into the URL; a TempURL cannot). */
const answers = {
  exoscale: {
    location: "s3",
    stored: 200,
    wrongSize: 403,
    wrongType: 403,
    expired: 403,
  },
  ovh: {
    location: "swift",
    stored: 201,
    wrongSize: 201,
    wrongType: 201,
    expired: 401,
  },
} as const;

/** Direct uploads and downloads through the HTTP API, on the S3 and Swift APIs of the local Swift. */
describe.each(["exoscale", "ovh"] as const)("direct uploads on %s", (kind) => {
  const expected = answers[kind];
  const bucket = uniqueContainer();
  let dir = "";
  let platform: Platform | undefined;
  let server: Server | undefined;
  let url = "";
  let cookie = "";
  let directServer: Server | undefined;
  let directUrl = "";
  /** Bytes the app's HTTP server read from its clients. */
  const sockets = new Set<Socket>();
  const received = (): number =>
    [...sockets].reduce((sum, s) => sum + s.bytesRead, 0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-direct-"));
    const env = {
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      APP_VERSION: "1.0.0",
      ...objectStoreEnv(kind, bucket),
      CLOUD_PLATFORM_CORS_ORIGINS: "http://127.0.0.1:3000",
    };
    const installed = await runCli(["install", kind], env);
    if (installed.code !== 0)
      throw new Error(
        `install failed:\n${installed.stdout}${installed.stderr}`,
      );
    // On dev, install keeps new files in the database: send them to the bucket instead.
    const index = await openIndex(env.DATABASE_URL);
    await index.setSetting(SettingName.Location, expected.location);
    await index.close();
    platform = await createPlatform(
      loadPlatformConfig(env, { serviceName: "direct-test" }),
      // A logger of the test's own: the default one waits for stdout to end when closed.
      {
        logger: createLogger({
          service: { name: "direct-test" },
          json: true,
          destination: new Writable({ write: (_c, _e, done) => done() }),
        }),
      },
    );
    server = await new Promise<Server>((resolve) => {
      const s = createApp(platform!).listen(0, "127.0.0.1", () => resolve(s));
    });
    server.on("connection", (s) => sockets.add(s));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cookie = await login(url, "direct");
    // The same platform (sessions included) behind a router that redirects downloads.
    directServer = await new Promise<Server>((resolve) => {
      const s = createApp(platform!, { directDownload: true }).listen(
        0,
        "127.0.0.1",
        () => resolve(s),
      );
    });
    directUrl = `http://127.0.0.1:${(directServer.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    for (const s of [server, directServer]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r) ?? r(undefined));
    }
    await platform?.close();
    await dropContainer(bucket);

    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  const offer = async (declared: Record<string, unknown>): Promise<Offer> => {
    const response = await call(url, "/attachments/uploads", cookie, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(declared),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Offer;
  };
  const complete = (id: string): Promise<Response> =>
    call(url, `/attachments/uploads/${id}/complete`, cookie, {
      method: "POST",
    });
  const put = (o: Offer, body: Buffer, type?: string): Promise<Response> =>
    fetch(o.url, {
      method: o.method,
      headers: { ...o.headers, ...(type ? { "content-type": type } : {}) },
      body,
    });
  const listed = async (): Promise<string[]> =>
    (
      (await (await call(url, "/attachments?limit=1000", cookie)).json()) as {
        id: string;
      }[]
    ).map((v) => v.id);

  it("records a 50 MB direct upload, reads it back identically, and the app received none of its bytes", async () => {
    const bytes = randomBody(50 * 1024 * 1024);
    const before = received();
    const o = await offer({
      name: "big.bin",
      mimetype: "application/octet-stream",
      size: bytes.length,
      checksum: sha256(bytes),
    });
    expect(o.direct).toBe(true);
    expect(new URL(o.url).port).not.toBe(new URL(url).port);
    expect((await put(o, bytes)).status).toBe(expected.stored);
    const done = await complete(o.id);
    expect(done.status).toBe(201);
    expect(received() - before).toBeLessThan(64 * 1024);
    expect(await listed()).toContain(o.id);
    const got = await download(url, cookie, o.id);
    expect(got.response.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it("refuses a body that is not the declared size, and nothing is recorded or left", async () => {
    const keysBefore = (await containerObjects(bucket))?.length;
    const o = await offer({ name: "s.bin", mimetype: "text/plain", size: 10 });
    expect((await put(o, Buffer.from("0123456789AB"))).status).toBe(
      expected.wrongSize,
    );
    expect((await complete(o.id)).status).toBe(400);
    expect(await listed()).not.toContain(o.id);
    expect((await complete(o.id)).status).toBe(404);
    expect((await containerObjects(bucket))?.length).toBe(keysBefore);
  });

  it("refuses a content type that is not the declared one, and nothing is left", async () => {
    const keysBefore = (await containerObjects(bucket))?.length;
    const o = await offer({ name: "t.txt", mimetype: "text/plain", size: 5 });
    expect((await put(o, Buffer.from("hello"), "text/html")).status).toBe(
      expected.wrongType,
    );
    expect((await complete(o.id)).status).toBe(400);
    expect(await listed()).not.toContain(o.id);
    expect((await containerObjects(bucket))?.length).toBe(keysBefore);
  });

  it("refuses a wrong checksum at completion and deletes the object", async () => {
    const keysBefore = (await containerObjects(bucket))?.length;
    const o = await offer({
      name: "c.txt",
      mimetype: "text/plain",
      size: 5,
      checksum: sha256(Buffer.from("other")),
    });
    expect((await put(o, Buffer.from("hello"))).status).toBe(expected.stored);
    const done = await complete(o.id);
    expect(done.status).toBe(400);
    expect(((await done.json()) as { error: string }).error).toMatch(/SHA-256/);
    expect(await listed()).not.toContain(o.id);
    expect((await containerObjects(bucket))?.length).toBe(keysBefore);
  });

  it("refuses an expired URL, and nothing is recorded", async () => {
    const created = await platform!.attachments.createUpload({
      name: "late.txt",
      mimetype: "text/plain",
      size: 5,
      expiresIn: 1,
    });
    if (!created.direct) throw new Error(created.reason);
    await new Promise((r) => setTimeout(r, 2500));
    const response = await fetch(created.url, {
      method: "PUT",
      headers: created.headers,
      body: "hello",
    });
    expect(response.status).toBe(expected.expired);
    expect((await complete(created.id)).status).toBe(400);
    expect(await listed()).not.toContain(created.id);
  });

  it("answers 'through the app' for a file the force-DB rule keeps in the database", async () => {
    const response = await call(url, "/attachments/uploads", cookie, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "a.css", mimetype: "text/css", size: 100 }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ direct: false });
  });

  it("redirects a download to a signed URL that serves the bytes under the file's name, ranges included", async () => {
    const bytes = randomBody(300 * 1024);
    const o = await offer({
      name: "Relevé été.pdf",
      mimetype: "application/pdf",
      size: bytes.length,
    });
    expect((await put(o, bytes)).status).toBe(expected.stored);
    expect((await complete(o.id)).status).toBe(201);

    const first = await call(directUrl, `/attachments/${o.id}`, cookie, {
      redirect: "manual",
    });
    expect(first.status).toBe(302);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const target = first.headers.get("location") ?? "";
    expect(new URL(target).port).not.toBe(new URL(directUrl).port);
    await first.text();

    const signed = await fetch(target);
    expect(signed.status).toBe(200);
    const disposition = decodeURIComponent(
      signed.headers.get("content-disposition") ?? "",
    );
    expect(disposition).toMatch(/^attachment;/);
    expect(disposition).toContain("Relevé été.pdf");
    expect(Buffer.from(await signed.arrayBuffer()).equals(bytes)).toBe(true);

    const ranged = await fetch(target, { headers: { range: "bytes=100-199" } });
    expect(ranged.status).toBe(206);
    expect(
      Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(100, 200)),
    ).toBe(true);

    // Our ETag still answers 304 here, before any redirect.
    const etag = `"${sha256(bytes)}"`;
    const cached = await call(directUrl, `/attachments/${o.id}`, cookie, {
      redirect: "manual",
      headers: { "if-none-match": etag },
    });
    expect(cached.status).toBe(304);

    // With the option off, the app streams the bytes itself, as before.
    const streamed = await call(url, `/attachments/${o.id}`, cookie, {
      redirect: "manual",
    });
    expect(streamed.status).toBe(200);
    expect(Buffer.from(await streamed.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("streams from the app when the bytes are in the database, even with direct downloads on", async () => {
    const created = await call(directUrl, "/attachments", cookie, {
      method: "POST",
      headers: { "content-type": "text/css", "x-filename": "site.css" },
      body: "body { color: red }",
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const got = await call(directUrl, `/attachments/${id}`, cookie, {
      redirect: "manual",
    });
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("body { color: red }");
  });
});
