import { afterEach, describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import express from "express";
import {
  createStatsd,
  isMetricsError,
  statsdMiddleware,
  type Statsd,
} from "@cloud-platform/metrics-statsd";
import {
  addRoutes,
  listen,
  sendAll,
  STANDARD_REQUESTS,
  startUdpCollector,
  type UdpCollector,
} from "./helpers.js";

const TIMING = /^(.+):(\d+(?:\.\d+)?)\|ms$/;

/** Replaces the measured duration (which varies) by a marker, after checking it is a number. */
function normalise(line: string): string {
  const m = TIMING.exec(line);
  if (!m) return line;
  expect(Number.isFinite(Number(m[2]))).toBe(true);
  return `${m[1]!}:<ms>|ms`;
}

describe("statsd over a real UDP socket", () => {
  let collector: UdpCollector | undefined;
  let statsd: Statsd | undefined;
  afterEach(async () => {
    await statsd?.close();
    await collector?.close();
    statsd = undefined;
    collector = undefined;
  });

  it("receives exactly the expected lines for a set of requests", async () => {
    collector = await startUdpCollector();
    statsd = createStatsd({
      customer: "acme",
      environment: "test",
      host: "127.0.0.1",
      port: collector.port,
    });
    const app = express();
    app.use(statsdMiddleware(statsd));
    addRoutes(app);
    const running = await listen(app);
    await sendAll(running.base, STANDARD_REQUESTS);
    await running.close();
    await statsd.close();

    const expected = STANDARD_REQUESTS.flatMap((r) => {
      const route = `odoo.http.route.acme.test.${r.method.toLowerCase()}.${r.route}`;
      return [
        "odoo.http.request.acme.test:<ms>|ms",
        `${route}:<ms>|ms`,
        `${route}.status.${r.status}:1|c`,
      ];
    });
    await collector.waitForLines(expected.length);
    expect(collector.lines.map(normalise).sort()).toEqual(expected.sort());
  });

  it("sends the node-statsd style calls with the prefix, in the statsd line format", async () => {
    collector = await startUdpCollector();
    statsd = createStatsd({
      customer: "acme",
      host: "127.0.0.1",
      port: collector.port,
      prefix: "app.eu",
      bufferSize: 0,
    });
    statsd.increment("jobs.done");
    statsd.increment("jobs.done", 3);
    statsd.decrement("queue.size", 2);
    statsd.timing("db.query", 12.5);
    statsd.gauge("workers", 4);
    statsd.histogram("payload.bytes", 512);
    statsd.set("users.unique", "u-42");
    await collector.waitForLines(7);
    expect(collector.lines).toEqual([
      "app.eu.jobs.done:1|c",
      "app.eu.jobs.done:3|c",
      "app.eu.queue.size:-2|c",
      "app.eu.db.query:12.5|ms",
      "app.eu.workers:4|g",
      "app.eu.payload.bytes:512|h",
      "app.eu.users.unique:u-42|s",
    ]);
  });

  it("appends global tags in the DogStatsD form when asked to", async () => {
    collector = await startUdpCollector();
    statsd = createStatsd({
      customer: "acme",
      host: "127.0.0.1",
      port: collector.port,
      bufferSize: 0,
      globalTags: { region: "eu" },
    });
    statsd.increment("hits");
    await collector.waitForLines(1);
    expect(collector.lines).toEqual(["odoo.hits:1|c|#region:eu"]);
  });

  it("puts the global tags on every middleware line", async () => {
    collector = await startUdpCollector();
    statsd = createStatsd({
      customer: "acme",
      environment: "test",
      host: "127.0.0.1",
      port: collector.port,
      globalTags: ["pod:web-1"],
    });
    const app = express();
    app.use(statsdMiddleware(statsd));
    addRoutes(app);
    const running = await listen(app);
    await sendAll(running.base, STANDARD_REQUESTS.slice(1, 2));
    await running.close();
    await statsd.close();
    await collector.waitForLines(3);
    expect(
      collector.lines.map((line) =>
        normalise(line.replace(/\|#pod:web-1$/, "")),
      ),
    ).toEqual([
      "odoo.http.request.acme.test:<ms>|ms",
      "odoo.http.route.acme.test.get.attachments._id:<ms>|ms",
      "odoo.http.route.acme.test.get.attachments._id.status.200:1|c",
    ]);
    expect(collector.lines.every((line) => line.endsWith("|#pod:web-1"))).toBe(
      true,
    );
  });

  it("batches lines into packets and close() sends what is still buffered", async () => {
    collector = await startUdpCollector();
    statsd = createStatsd({
      customer: "acme",
      host: "127.0.0.1",
      port: collector.port,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 5; i += 1) statsd.increment("batched");
    await sleep(100);
    expect(collector.lines).toHaveLength(0);
    await statsd.close();
    await collector.waitForLines(5);
    expect(collector.lines).toEqual(
      Array.from({ length: 5 }, () => "odoo.batched:1|c"),
    );
  });

  it("drops sends after close() without throwing", async () => {
    collector = await startUdpCollector();
    const errors: unknown[] = [];
    statsd = createStatsd({
      customer: "acme",
      host: "127.0.0.1",
      port: collector.port,
      bufferSize: 0,
      onError: (e) => errors.push(e),
    });
    await statsd.close();
    expect(() => statsd?.increment("late")).not.toThrow();
    await statsd.close();
    expect(errors).toEqual([]);
  });

  it("records lines without a socket in mock mode", async () => {
    statsd = createStatsd({ customer: "acme", mock: true });
    statsd.gauge("mocked", 1);
    expect(statsd.mockLines).toEqual(["odoo.mocked:1|g"]);
  });

  it("rejects invalid options with one error listing every problem", () => {
    let caught: unknown;
    try {
      createStatsd({
        customer: "ac.me",
        environment: "pro d",
        port: 70_000,
        prefix: "odoo.",
      });
    } catch (error) {
      caught = error;
    }
    expect(isMetricsError(caught, "E_METRICS_INVALID_OPTION")).toBe(true);
    const variables = isMetricsError(caught)
      ? caught.problems.map((p) => p.variable)
      : [];
    expect(variables.sort()).toEqual([
      "customer",
      "environment",
      "port",
      "prefix",
    ]);
  });
});
