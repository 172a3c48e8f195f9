import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import { freePort } from "@cloud-platform/test-services";
import { createStatsd, statsdMiddleware } from "@cloud-platform/metrics-statsd";
import {
  addRoutes,
  eventually,
  listen,
  sendAll,
  STANDARD_REQUESTS,
  startChild,
  type Child,
} from "./helpers.js";

/** Sums the values the console backend printed for a counter over every flush. */
function counterTotal(output: string, name: string): number {
  let total = 0;
  // Each flush prints `counters: { ... }` then `counter_rates: { ... }`: only the first counts.
  for (const section of output.matchAll(/counters: \{([^}]*)\}/g)) {
    for (const m of (section[1] ?? "").matchAll(
      /'([^']+)': (\d+(?:\.\d+)?)/g,
    )) {
      if (m[1] === name) total += Number(m[2]);
    }
  }
  return total;
}

describe("the real statsd daemon (npm package statsd, console backend)", () => {
  let dir = "";
  let daemon: Child | undefined;
  let port = 0;

  beforeAll(async () => {
    const statsdDir = dirname(
      createRequire(import.meta.url).resolve("statsd/package.json"),
    );
    dir = await mkdtemp(join(tmpdir(), "metrics-statsd-"));
    port = await freePort();
    const mgmtPort = await freePort();
    const config = {
      address: "127.0.0.1",
      port,
      mgmt_address: "127.0.0.1",
      mgmt_port: mgmtPort,
      flushInterval: 300,
      deleteIdleStats: true,
      backends: ["./backends/console"],
      console: { prettyprint: false },
    };
    await writeFile(join(dir, "config.js"), `(${JSON.stringify(config)})\n`);
    // The daemon (statsd 0.10) logs with util.log, which Node 23 removed: give it one back,
    // so the real daemon runs on every Node version the suite runs on.
    await writeFile(
      join(dir, "util-log.cjs"),
      'const util = require("node:util");\nif (typeof util.log !== "function") util.log = (m) => console.log(new Date().toISOString(), "-", m);\n',
    );
    daemon = startChild(
      process.execPath,
      [
        "--require",
        join(dir, "util-log.cjs"),
        join(statsdDir, "stats.js"),
        join(dir, "config.js"),
      ],
      statsdDir,
    );
    await eventually("the statsd daemon to start", () =>
      Promise.resolve(
        daemon?.output().includes("Flushing stats") ? true : undefined,
      ),
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("aggregates the middleware metrics under the expected names", async () => {
    const statsd = createStatsd({
      customer: "acme",
      environment: "test",
      host: "127.0.0.1",
      port,
    });
    const app = express();
    app.use(statsdMiddleware(statsd));
    addRoutes(app);
    const running = await listen(app);
    await sendAll(running.base, STANDARD_REQUESTS);
    await running.close();
    await statsd.close();

    const route = "odoo.http.route.acme.test";
    const expectedCounters = new Map<string, number>();
    for (const r of STANDARD_REQUESTS) {
      const name = `${route}.${r.method.toLowerCase()}.${r.route}.status.${r.status}`;
      expectedCounters.set(name, (expectedCounters.get(name) ?? 0) + 1);
    }
    const output = await eventually("the counters in a flush", () => {
      const text = daemon?.output() ?? "";
      const done = [...expectedCounters].every(
        ([name, count]) => counterTotal(text, name) >= count,
      );
      return Promise.resolve(done ? text : undefined);
    });
    for (const [name, count] of expectedCounters)
      expect(counterTotal(output, name)).toBe(count);
    expect(output).toContain(`'odoo.http.request.acme.test': [`);
    expect(output).toContain(`'${route}.get.attachments._id': [`);
    expect(output).toContain(`'${route}.get.users._userId.posts._postId': [`);
    expect(counterTotal(output, "statsd.bad_lines_seen")).toBe(0);
  });
});
