import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll, startApp, type AppProcess } from "./app-process.js";
import { call, login, randomBody, uploadRaw } from "./client.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

const TOKEN = "metrics-token-5b1f0c";

/** `/metrics` of an instance with `ODOO_PROMETHEUS=1` and a bearer token. */
describe("the /metrics route", () => {
  let dir = "";
  let app: AppProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-metrics-"));
    app = await startApp({
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      ODOO_LOGGING_JSON: "1",
      ODOO_PROMETHEUS: "1",
      ODOO_PROMETHEUS_TOKEN: TOKEN,
      STATSD_CUSTOMER: "acme",
    });
  }, 60_000);

  afterAll(async () => {
    await killAll();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("answers 401 without the token, and sets no cookie", async () => {
    const response = await fetch(`${app!.url}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
    await response.text();
  });

  it("counts requests by route template, never by raw path", async () => {
    const cookie = await login(app!.url, "metrics");
    const view = await uploadRaw(
      app!.url,
      cookie,
      "m.bin",
      "application/octet-stream",
      randomBody(100),
    );
    const downloaded = await call(app!.url, `/attachments/${view.id}`, cookie);
    expect(downloaded.status).toBe(200);
    await downloaded.arrayBuffer();
    // The server observes a request when its answer finished, a moment after the client has it.
    const template =
      /http_request_duration_seconds_count\{[^}]*route="\/attachments\/:id"/;
    let text = "";
    for (let i = 0; i < 50 && !template.test(text); i++) {
      const response = await fetch(`${app!.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()).toEqual([]);
      text = await response.text();
      if (!template.test(text)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toMatch(template);
    expect(text).not.toContain(view.id);
  });
});
