import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uniqueName } from "@cloud-platform/test-services";
import { killAll, runCli, startApp, type AppProcess } from "./app-process.js";
import {
  call,
  download,
  login,
  me,
  randomBody,
  sha256,
  uploadMultipart,
  uploadRaw,
  type AttachmentView,
} from "./client.js";
import { listRecords, refsWithoutObject } from "./object-refs.js";
import {
  createTestDatabase,
  dropContainer,
  dropRedisPrefix,
  objectStoreEnv,
  redisEnv,
  sessionSecret,
  uniqueContainer,
  type Kind,
  type TestDatabase,
} from "./services.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

const MB = 1024 * 1024;

/**
 * Three instances of the example app, as separate processes, sharing one PostgreSQL index,
 * one Redis and one object store: what a load balancer in front of several hosts sees.
 */
describe.each<Kind>(["exoscale", "ovh"])("three front-ends on %s", (kind) => {
  const scheme = kind === "exoscale" ? "s3" : "swift";
  const container = uniqueContainer();
  const prefix = `${uniqueName("cpex")}-odoo-integration`;
  let db: TestDatabase | undefined;
  let filestore = "";
  let env: Record<string, string> = {};
  let installOutput = "";
  let apps: AppProcess[] = [];
  const uploaded: { view: AttachmentView; bytes: Buffer }[] = [];

  const app = (i: number): AppProcess => apps[i]!;

  beforeAll(async () => {
    db = await createTestDatabase();
    filestore = await mkdtemp(join(tmpdir(), "cp-front-ends-"));
    env = {
      RUNNING_ENV: "integration",
      DATABASE_URL: db.url,
      FILESTORE_PATH: filestore,
      APP_VERSION: "1.0.0",
      SESSION_SECRET: sessionSecret(),
      ODOO_LOGGING_JSON: "1",
      ...redisEnv(prefix),
      ...objectStoreEnv(kind, container),
    };
    const installed = await runCli(["install", kind], env);
    installOutput = installed.stdout;
    if (installed.code !== 0)
      throw new Error(
        `install ${kind} failed (${installed.code}):\n${installed.stdout}\n${installed.stderr}`,
      );
    apps = await Promise.all(
      ["a", "b", "c"].map((name) => startApp(env, { name: `${kind}-${name}` })),
    );
  }, 180_000);

  afterAll(async () => {
    await killAll();
    await dropContainer(container);
    await db?.drop();
    await dropRedisPrefix(prefix);
    if (filestore !== "") await rm(filestore, { recursive: true, force: true });
  }, 60_000);

  it("install records the kind, and every instance starts on its object store", () => {
    expect(installOutput).toContain(
      `installed ${kind}: new files go to ${scheme}`,
    );
    for (const instance of apps) {
      const ready = instance.logs.find((l) => l.message === "platform ready");
      expect(ready).toMatchObject({
        environment: "integration",
        kind,
        location: scheme,
      });
    }
  });

  it("a login through one front-end is seen by the two others", async () => {
    const cookie = await login(app(0).url, "alice");
    expect(await me(app(1).url, cookie)).toEqual({
      status: 200,
      login: "alice",
    });
    expect(await me(app(2).url, cookie)).toEqual({
      status: 200,
      login: "alice",
    });
  });

  it("a file uploaded through one front-end downloads byte-identical through the others", async () => {
    const cookie = await login(app(0).url, "bob");
    // Over 8 MiB of unknown size: a Swift large object (segments), an S3 multipart upload.
    const multipart = randomBody(9 * MB + 123);
    const raw = randomBody(MB + 7);
    const views = [
      await uploadMultipart(
        app(0).url,
        cookie,
        "report 2026.bin",
        "application/octet-stream",
        multipart,
      ),
      await uploadRaw(
        app(1).url,
        cookie,
        "naïve résumé.txt",
        "text/plain",
        raw,
      ),
    ];
    uploaded.push(
      { view: views[0]!, bytes: multipart },
      { view: views[1]!, bytes: raw },
    );
    for (const { view, bytes } of uploaded) {
      expect(view).toMatchObject({
        size: bytes.length,
        checksum: sha256(bytes),
        location: scheme,
      });
      for (const instance of apps) {
        const got = await download(instance.url, cookie, view.id);
        expect(got.response.status).toBe(200);
        expect(got.response.headers.get("content-length")).toBe(
          String(bytes.length),
        );
        expect(got.bytes.equals(bytes)).toBe(true);
      }
    }
    expect(uploaded[1]!.view.name).toBe("naïve résumé.txt");
  });

  it("every front-end answers a Range request with 206 and a matching ETag with 304", async () => {
    const cookie = await login(app(2).url, "carol");
    const { view, bytes } = uploaded[0]!;
    for (const instance of apps) {
      const partial = await call(
        instance.url,
        `/attachments/${view.id}`,
        cookie,
        { headers: { range: "bytes=1000-1999" } },
      );
      expect(partial.status).toBe(206);
      expect(partial.headers.get("content-range")).toBe(
        `bytes 1000-1999/${bytes.length}`,
      );
      expect(
        Buffer.from(await partial.arrayBuffer()).equals(
          bytes.subarray(1000, 2000),
        ),
      ).toBe(true);
      const etag = partial.headers.get("etag") ?? "";
      expect(etag).toBe(`"${view.checksum}"`);
      const cached = await call(
        instance.url,
        `/attachments/${view.id}`,
        cookie,
        { headers: { "if-none-match": etag } },
      );
      expect(cached.status).toBe(304);
      expect((await cached.arrayBuffer()).byteLength).toBe(0);
    }
  });

  it("the deep status of every front-end checks the database, Redis and the object store", async () => {
    for (const instance of apps) {
      const response = await fetch(`${instance.url}/monitoring/status?deep=1`);
      expect(response.status).toBe(200);
      // The migration part (state "elsewhere" on the front-ends that did not take the
      // lock) is the lifecycle's; this test is about what deep status checks.
      expect(await response.json()).toMatchObject({
        status: 1,
        checked: ["database", "redis", "object-storage"],
      });
    }
  });

  it("a logout through one front-end ends the session on all of them", async () => {
    const cookie = await login(app(1).url, "dave");
    for (const instance of apps)
      expect((await me(instance.url, cookie)).status).toBe(200);
    const out = await call(app(2).url, "/logout", cookie, { method: "POST" });
    expect(out.status).toBe(204);
    for (const instance of apps) {
      expect(await me(instance.url, cookie)).toEqual({ status: 401 });
      expect(
        (
          await call(
            instance.url,
            `/attachments/${uploaded[0]!.view.id}`,
            cookie,
          )
        ).status,
      ).toBe(401);
    }
  });

  it("a front-end SIGKILLed in the middle of a 200 MB upload leaves the others serving, and no row without its object", async () => {
    const [first, second, victim] = [app(0), app(1), app(2)];
    const cookie = await login(first.url, "erin");
    const total = 200 * MB;
    const killAt = 50 * MB;
    const chunk = randomBytes(MB);
    let sent = 0;
    let killed: Promise<void> | undefined;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= killAt) {
          // Once the server is gone the client keeps writing into a dead socket until it notices.
          killed ??= victim.kill();
          await killed;
        }
        if (sent >= total) {
          controller.close();
          return;
        }
        controller.enqueue(new Uint8Array(chunk));
        sent += chunk.length;
      },
    });
    const upload = call(victim.url, "/attachments", cookie, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "x-filename": "big.bin",
        "content-length": String(total),
      },
      body,
      duplex: "half",
    }).then(
      (response) => `answered ${response.status}`,
      () => "cut",
    );
    expect(await upload).toBe("cut");
    await killed;
    expect(await victim.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(sent).toBeGreaterThanOrEqual(killAt);
    expect(sent).toBeLessThan(total);

    // Right after: the two others serve the same session and the same files.
    expect(await me(first.url, cookie)).toEqual({ status: 200, login: "erin" });
    expect(await me(second.url, cookie)).toEqual({
      status: 200,
      login: "erin",
    });
    const again = await download(second.url, cookie, uploaded[1]!.view.id);
    expect(again.bytes.equals(uploaded[1]!.bytes)).toBe(true);
    const status = await fetch(`${first.url}/monitoring/status?deep=1`);
    expect(status.status).toBe(200);

    const listed = (await (
      await call(first.url, "/attachments", cookie)
    ).json()) as AttachmentView[];
    expect(listed.map((v) => v.name)).not.toContain("big.bin");
    const records = await listRecords(env.DATABASE_URL!);
    expect(records.map((r) => r.id).sort()).toEqual(
      uploaded.map((u) => u.view.id).sort(),
    );
    expect(await refsWithoutObject(kind, env, db!.name, records)).toEqual([]);
  });
});
