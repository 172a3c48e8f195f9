import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll, startApp, type AppProcess } from "./app-process.js";
import { call, login, uploadRaw } from "./client.js";

jest.setTimeout(90_000);

const B = "cp-malformed-7d1e";
const part = (field: string, filename: string, type = "text/plain"): string =>
  `--${B}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;

interface Row {
  what: string;
  method?: string;
  path?: string;
  headers: Record<string, string>;
  body: string;
  /** Close our sending side after the body (a client that sent all it will ever send). */
  halfClose?: boolean;
  /** Leave out the Content-Length header (the row sets its own framing). */
  noLength?: boolean;
}

/**
 * Sends one request as raw bytes (headers exactly as written, a Content-Length of the body
 * unless the row sets one) and returns the status line's code, or 0 when the server closed
 * the connection without an answer.
 */
async function send(port: number, cookie: string, row: Row): Promise<number> {
  const socket = connect(port, "127.0.0.1");
  socket.setTimeout(15_000, () => socket.destroy());
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Cookie: cookie,
    ...(row.noLength
      ? {}
      : { "Content-Length": String(Buffer.byteLength(row.body)) }),
    ...row.headers,
  };
  const head = [
    `${row.method ?? "POST"} ${row.path ?? "/attachments"} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  let answer = "";
  const done = new Promise<number>((resolve) => {
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.once("close", () =>
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)),
    );
    socket.once("error", () => undefined);
  });
  socket.write(head + row.body);
  if (row.halfClose) socket.end();
  return done;
}

const multipart = { "Content-Type": `multipart/form-data; boundary=${B}` };

const rows: [Row, number][] = [
  [
    {
      what: "a multipart body without its closing boundary",
      headers: multipart,
      body: `${part("file", "cut.txt")}some bytes of the file`,
    },
    400,
  ],
  [
    {
      what: "a multipart body cut in its headers",
      headers: multipart,
      body: `--${B}\r\nContent-Disposition: form-da`,
    },
    400,
  ],
  [
    {
      what: "a multipart body with two file parts",
      headers: multipart,
      body: `${part("file", "one.txt")}one\r\n${part("file", "two.txt")}two\r\n--${B}--\r\n`,
    },
    400,
  ],
  [
    {
      what: "a multipart body with its file under another field name only",
      headers: multipart,
      body: `${part("document", "one.txt")}one\r\n--${B}--\r\n`,
    },
    400,
  ],
  [
    {
      what: "a multipart Content-Type without a boundary",
      headers: { "Content-Type": "multipart/form-data" },
      body: `${part("file", "x.txt")}x\r\n--${B}--\r\n`,
    },
    400,
  ],
  [
    {
      what: "a multipart body with a file name over 1024 characters",
      headers: multipart,
      body: `${part("file", "n".repeat(5000))}x\r\n--${B}--\r\n`,
    },
    400,
  ],
  [
    {
      what: "a raw upload without X-Filename",
      headers: { "Content-Type": "text/plain" },
      body: "hello",
    },
    400,
  ],
  [
    {
      what: "a raw upload with an X-Filename over 1024 characters",
      headers: { "Content-Type": "text/plain", "X-Filename": "n".repeat(4000) },
      body: "hello",
    },
    400,
  ],
  [
    {
      what: "a raw upload with a Content-Length longer than the body",
      headers: {
        "Content-Type": "text/plain",
        "X-Filename": "short.txt",
        "Content-Length": "100000",
      },
      body: "only a few bytes",
      halfClose: true,
    },
    400,
  ],
  [
    {
      what: "a multipart upload with a Content-Length longer than the body",
      headers: { ...multipart, "Content-Length": "100000" },
      body: `${part("file", "short.txt")}a few bytes`,
      halfClose: true,
    },
    400,
  ],
  [
    {
      what: "a Content-Length that is not a number",
      headers: {
        "Content-Type": "text/plain",
        "X-Filename": "x.txt",
        "Content-Length": "12abc",
      },
      body: "hello",
    },
    400,
  ],
  [
    {
      what: "a bad chunked encoding",
      headers: {
        "Content-Type": "text/plain",
        "X-Filename": "x.txt",
        "Transfer-Encoding": "chunked",
      },
      body: "zz\r\nhello\r\n0\r\n\r\n",
      noLength: true,
    },
    400,
  ],
  [
    {
      what: "a header block over the server's limit",
      headers: { "Content-Type": "text/plain", "X-Big": "h".repeat(40_000) },
      body: "hello",
    },
    431,
  ],
  [
    {
      what: "a login with bad JSON",
      path: "/login",
      headers: { "Content-Type": "application/json" },
      body: '{"login": ',
    },
    400,
  ],
  [
    {
      what: "a login body over 16 kB",
      path: "/login",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: "x".repeat(20_000) }),
    },
    413,
  ],
];

/** The example app as `npm start` runs it (embedded defaults), hit with malformed requests. */
describe("the running example app, sent malformed requests", () => {
  let dir = "";
  let app: AppProcess;
  let cookie = "";
  let known = "";

  const files = async (): Promise<string[]> =>
    (await readdir(join(dir, "filestore"), { recursive: true }).catch(() => []))
      .map(String)
      .filter((f) => !f.startsWith(".cp-") && !f.includes("/."));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-malformed-"));
    app = await startApp({
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      ODOO_LOGGING_JSON: "1",
    });
    cookie = await login(app.url, "malformed");
    known = (
      await uploadRaw(
        app.url,
        cookie,
        "known.txt",
        "text/plain",
        Buffer.from("0123456789"),
      )
    ).id;
  });

  afterAll(async () => {
    await killAll();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it.each(rows.map(([row, status]) => [row.what, row, status] as const))(
    "answers %s with a 4xx, stays up and records nothing",
    async (_what, row, status) => {
      const before = await (
        await call(app.url, "/attachments?limit=1000", cookie)
      ).json();
      const filesBefore = await files();
      expect(await send(app.port, cookie, row)).toBe(status);
      // The process is still serving, and neither the index nor the filestore changed.
      const status200 = await fetch(`${app.url}/monitoring/status`);
      expect(status200.status).toBe(200);
      expect(
        await (await call(app.url, "/attachments?limit=1000", cookie)).json(),
      ).toEqual(before);
      // A cut upload's bytes may still be on their way out: give the store a moment.
      await new Promise((r) => setTimeout(r, 200));
      expect(await files()).toEqual(filesBefore);
    },
  );

  it.each([
    ["bytes=50-60", 416],
    ["bytes=5-2", 416],
    ["bytes=-0", 416],
  ])("answers the range %s with %d", async (range, status) => {
    const response = await call(app.url, `/attachments/${known}`, cookie, {
      headers: { range },
    });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-range")).toBe("bytes */10");
  });

  it.each(["bytes=abc", "items=0-3", "bytes=0-1,3-4"])(
    "serves the whole file for the range header %s it does not use (RFC 9110 §14.2)",
    async (range) => {
      const response = await call(app.url, `/attachments/${known}`, cookie, {
        headers: { range },
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("0123456789");
    },
  );

  it("answers an id that is not one with 404", async () => {
    expect((await call(app.url, "/attachments/not-an-id", cookie)).status).toBe(
      404,
    );
  });

  it("was still the same process at the end", async () => {
    const exited = await Promise.race([
      app.exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 100)),
    ]);
    expect(exited).toBe(false);
  });
});
