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

/** Direct uploads through the HTTP API, on the S3 API of the local Swift. */
describe("direct uploads on exoscale (S3 on the local Swift)", () => {
  const bucket = uniqueContainer();
  let dir = "";
  let platform: Platform | undefined;
  let server: Server | undefined;
  let url = "";
  let cookie = "";
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
      ...objectStoreEnv("exoscale", bucket),
    };
    const installed = await runCli(["install", "exoscale"], env);
    if (installed.code !== 0)
      throw new Error(
        `install failed:\n${installed.stdout}${installed.stderr}`,
      );
    // On dev, install keeps new files in the database: send them to the bucket instead.
    const index = await openIndex(env.DATABASE_URL);
    await index.setSetting(SettingName.Location, "s3");
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
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r) ?? r(undefined));
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
    expect((await put(o, bytes)).status).toBe(200);
    const done = await complete(o.id);
    expect(done.status).toBe(201);
    expect(received() - before).toBeLessThan(64 * 1024);
    expect(await listed()).toContain(o.id);
    const got = await download(url, cookie, o.id);
    expect(got.response.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it("is refused by the bucket when the body is not the declared size, and nothing is recorded or left", async () => {
    const o = await offer({ name: "s.bin", mimetype: "text/plain", size: 10 });
    expect((await put(o, Buffer.from("0123456789AB"))).status).toBe(403);
    expect((await complete(o.id)).status).toBe(400);
    expect(await listed()).not.toContain(o.id);
    expect((await complete(o.id)).status).toBe(404);
  });

  it("is refused by the bucket when the content type is not the declared one", async () => {
    const o = await offer({ name: "t.txt", mimetype: "text/plain", size: 5 });
    expect((await put(o, Buffer.from("hello"), "text/html")).status).toBe(403);
    expect((await complete(o.id)).status).toBe(400);
    expect(await listed()).not.toContain(o.id);
  });

  it("refuses a wrong checksum at completion and deletes the object", async () => {
    const keysBefore = (await containerObjects(bucket))?.length;
    const o = await offer({
      name: "c.txt",
      mimetype: "text/plain",
      size: 5,
      checksum: sha256(Buffer.from("other")),
    });
    expect((await put(o, Buffer.from("hello"))).status).toBe(200);
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
    expect(response.status).toBe(403);
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
});
