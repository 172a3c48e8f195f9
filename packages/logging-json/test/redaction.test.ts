import { describe, expect, it } from "@jest/globals";
import { createLogger, type RedactOptions } from "../src/index.js";
import { memoryDestination } from "./helpers.js";

async function logOnce(
  fields: Record<string, unknown>,
  redact?: RedactOptions | false,
  message = "m",
): Promise<{ raw: string; record: Record<string, unknown> }> {
  const out = memoryDestination();
  const logger = createLogger({
    service: { name: "redaction" },
    destination: out.stream,
    redact,
  });
  logger.info(message, fields);
  await logger.flush();
  return { raw: out.lines()[0] ?? "", record: out.records()[0] ?? {} };
}

describe("redaction", () => {
  it("redacts credential headers and secret-looking names at any depth", async () => {
    const { raw, record } = await logOnce({
      headers: {
        Authorization: "Bearer s3cr3t-a",
        cookie: "sid=s3cr3t-b",
        "Set-Cookie": ["s3cr3t-c"],
        "x-api-key": "s3cr3t-d",
      },
      body: {
        user: { password: "s3cr3t-e", profile: { client_secret: "s3cr3t-f" } },
        list: [{ accessToken: "s3cr3t-g" }],
      },
      AWS_SECRET_ACCESS_KEY: "s3cr3t-h",
      private_key: "s3cr3t-i",
      credentials: { user: "u", pass: "s3cr3t-j" },
    });
    expect(raw).not.toMatch(/s3cr3t/);
    expect(record).toMatchObject({
      headers: { Authorization: "[REDACTED]" },
      body: { user: { password: "[REDACTED]" } },
    });
  });

  it("redacts secret parameters in query strings, key=value text, JSON text and URLs", async () => {
    const { raw, record } = await logOnce(
      {
        link: "/attachments?id=1&token=s3cr3t-a&api_key=s3cr3t-b&Password=s3cr3t-c",
        note: "retry with secret=s3cr3t-d and page=2",
        payload: '{"login":"alice","password":"s3cr3t-e"}',
        target: "redis://default:s3cr3t-f@cache:6379/0",
        header: "Authorization: Bearer s3cr3t-g",
      },
      undefined,
      "GET /x?access_key=s3cr3t-h",
    );
    expect(raw).not.toMatch(/s3cr3t/);
    expect(record["link"]).toBe(
      "/attachments?id=1&token=[REDACTED]&api_key=[REDACTED]&Password=[REDACTED]",
    );
    expect(record["note"]).toBe("retry with secret=[REDACTED] and page=2");
  });

  it("keeps harmless fields and values untouched", async () => {
    const fields = {
      user: { id: 7, login: "alice" },
      link: "/a?page=2",
      prose: "Basic auth is off; Bearer tokens rotate; page=2",
      bytes: 10,
      ok: true,
      when: new Date(0),
    };
    const { record } = await logOnce(fields);
    expect(record).toMatchObject({
      ...fields,
      when: "1970-01-01T00:00:00.000Z",
    });
  });

  it("accepts extra names and a custom censor", async () => {
    const { raw } = await logOnce(
      { iban: "CH93-s3cr3t", nested: { pin_code: "s3cr3t" } },
      { keys: ["IBAN", /pin/i], censor: "***" },
    );
    expect(raw).not.toMatch(/s3cr3t/);
    expect(raw).toContain('"iban":"***"');
  });

  it("redacts nothing with redact false", async () => {
    const { record } = await logOnce({ password: "visible" }, false);
    expect(record["password"]).toBe("visible");
  });

  it("writes circular objects with a marker instead of failing", async () => {
    const a: Record<string, unknown> = { name: "a" };
    a["self"] = a;
    a["list"] = [a];
    const { record } = await logOnce({ a });
    expect(record["a"]).toEqual({
      name: "a",
      self: "[Circular]",
      list: ["[Circular]"],
    });
  });

  it("cuts huge strings, arrays, objects and deep nesting with markers", async () => {
    const wide = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`k${i}`, i]),
    );
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 20; i++) deep = { deep };
    const { raw, record } = await logOnce({
      text: "x".repeat(1_000_000),
      list: Array.from({ length: 10_000 }, (_, i) => i),
      wide,
      deep,
    });
    expect(raw.length).toBeLessThan(30_000);
    expect(String(record["text"])).toMatch(/…\[truncated 990000 chars\]$/);
    expect(record["list"]).toHaveLength(101);
    expect((record["list"] as unknown[])[100]).toBe("[… 9900 more items]");
    expect(Object.keys(record["wide"] as object)).toHaveLength(201);
    expect(raw).toContain('"[Object]"');
  });

  it("writes values JSON cannot (BigInt, Map, Set, Buffer, a throwing toJSON) without crashing", async () => {
    const hostile = {
      toJSON() {
        throw new Error("no");
      },
    };
    const getter = Object.defineProperty({ fine: 1 }, "broken", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    const fields = {
      big: 10n,
      map: new Map([["token", "s3cr3t"]]),
      set: new Set([1]),
      buf: Buffer.alloc(4096),
      hostile,
      getter,
    };
    const { record } = await logOnce(fields);
    expect(record).toMatchObject({
      big: "10",
      map: { token: "[REDACTED]" },
      set: [1],
      buf: "[Buffer 4096 bytes]",
    });
    expect(record).toMatchObject({
      hostile: "[unserializable: no]",
      getter: "[unserializable: getter]",
    });
  });
});
