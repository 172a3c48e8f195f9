import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "@jest/globals";
import express from "express";
import {
  createPrometheusMetrics,
  createStatsd,
  statsdMiddleware,
} from "@cloud-platform/metrics-statsd";
import {
  addRoutes,
  listen,
  sendAll,
  STANDARD_REQUESTS,
  startUdpCollector,
} from "./helpers.js";

/** The statsd names seen (the part before the value). */
function statsdNames(lines: readonly string[]): Set<string> {
  return new Set(lines.map((line) => line.slice(0, line.indexOf(":"))));
}

/** Metric names (`# TYPE` lines) and the label sets of the HTTP series, values left out. */
function promShape(text: string): { names: string[]; httpSeries: string[] } {
  const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
  const httpSeries = [
    ...text.matchAll(/^(http_request_duration_seconds\w*\{[^}]*\})/gm),
  ].map((m) => m[1]!);
  return { names: names.sort(), httpSeries: httpSeries.sort() };
}

describe("scanners probing random paths", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("add no new metric names or label sets, in statsd or Prometheus", async () => {
    const collector = await startUdpCollector();
    cleanups.push(() => collector.close());
    const statsd = createStatsd({
      customer: "acme",
      environment: "test",
      host: "127.0.0.1",
      port: collector.port,
      flushIntervalMs: 50,
    });
    cleanups.push(() => statsd.close());
    const prom = createPrometheusMetrics({
      customer: "acme",
      environment: "test",
    });
    const app = express();
    app.use(statsdMiddleware(statsd));
    app.use(prom.middleware());
    addRoutes(app);
    const running = await listen(app);
    cleanups.push(() => running.close());

    const warmUp = [
      ...STANDARD_REQUESTS,
      { method: "POST", path: "/nope", route: "unmatched", status: 404 },
    ];
    await sendAll(running.base, warmUp);
    await collector.waitForLines(warmUp.length * 3);
    const namesBefore = statsdNames(collector.lines);
    const shapeBefore = promShape(await prom.metrics());

    const total = 10_000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const path = `/${randomUUID()}/${i}/.env?x=${i}`;
        const res = await fetch(running.base + path, {
          method: i % 2 === 0 ? "GET" : "POST",
        });
        await res.arrayBuffer();
        if (res.status !== 404) throw new Error(`${path}: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await statsd.close();
    await collector.waitForLines((warmUp.length + total) * 3, 10_000);

    expect(statsdNames(collector.lines)).toEqual(namesBefore);
    const shapeAfter = promShape(await prom.metrics());
    expect(shapeAfter.names).toEqual(shapeBefore.names);
    expect(shapeAfter.httpSeries).toEqual(shapeBefore.httpSeries);
    expect(await prom.metrics()).toMatch(
      /^http_request_duration_seconds_count\{[^}]*route="unmatched",method="POST",status_class="4xx"\} 5001$/m,
    );
  }, 300_000); // 10,000 requests: about 10 s alone, over 60 s when CI shares the 2 cores
});
