import { createSocket } from "node:dgram";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "@jest/globals";
import express from "express";
import {
  createStatsd,
  isMetricsError,
  statsdMiddleware,
  type MetricsError,
  type Statsd,
} from "@cloud-platform/metrics-statsd";
import {
  addRoutes,
  eventually,
  listen,
  sendAll,
  STANDARD_REQUESTS,
} from "./helpers.js";

/** Serves the standard requests twice through the middleware of `statsd`. */
async function serveRequests(statsd: Statsd): Promise<void> {
  const app = express();
  app.use(statsdMiddleware(statsd));
  addRoutes(app);
  const running = await listen(app);
  try {
    await sendAll(running.base, [...STANDARD_REQUESTS, ...STANDARD_REQUESTS]);
  } finally {
    await running.close();
  }
}

function causeCode(error: MetricsError | undefined): unknown {
  return (error?.cause as { code?: unknown } | undefined)?.code;
}

describe("statsd failures never reach the requests", () => {
  it("serves requests and reports once when the statsd host does not resolve", async () => {
    const errors: MetricsError[] = [];
    const statsd = createStatsd({
      customer: "acme",
      host: "statsd.invalid",
      bufferSize: 0,
      onError: (e) => errors.push(e),
    });
    await serveRequests(statsd);
    await eventually("the DNS failure report", () =>
      Promise.resolve(errors.length > 0 ? true : undefined),
    );
    await sleep(300);
    await statsd.close();
    expect(errors).toHaveLength(1);
    expect(isMetricsError(errors[0], "E_STATSD_SEND")).toBe(true);
    expect(["ENOTFOUND", "EAI_AGAIN"]).toContain(causeCode(errors[0]));
    expect(errors[0]?.message).toContain("statsd.invalid:8125");
  });

  it("reports a send the kernel refuses once, however many packets fail", async () => {
    const errors: MetricsError[] = [];
    // Sending to the broadcast address without SO_BROADCAST fails with EACCES on every packet.
    const statsd = createStatsd({
      customer: "acme",
      host: "255.255.255.255",
      bufferSize: 0,
      onError: (e) => errors.push(e),
    });
    await serveRequests(statsd);
    await sleep(300);
    await statsd.close();
    expect(errors).toHaveLength(1);
    expect(causeCode(errors[0])).toBe("EACCES");
  });

  it("reports again after the interval, counting the failures it swallowed", async () => {
    const errors: MetricsError[] = [];
    const statsd = createStatsd({
      customer: "acme",
      host: "255.255.255.255",
      bufferSize: 0,
      errorReportIntervalMs: 1000,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 10; i += 1) statsd.increment("lost");
    await sleep(1300);
    statsd.increment("lost");
    await eventually("the second report", () =>
      Promise.resolve(errors.length >= 2 ? true : undefined),
    );
    await statsd.close();
    expect(errors.map((e) => e.suppressed)).toEqual([0, 9]);
  });

  it("serves requests when nothing listens on the statsd port", async () => {
    const probe = createSocket("udp4");
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const errors: MetricsError[] = [];
    const statsd = createStatsd({
      customer: "acme",
      host: "127.0.0.1",
      port,
      bufferSize: 0,
      onError: (e) => errors.push(e),
    });
    await serveRequests(statsd);
    await statsd.close();
    expect(errors.length).toBeLessThanOrEqual(1);
  });

  it("keeps requests working when onError itself throws", async () => {
    let calls = 0;
    const statsd = createStatsd({
      customer: "acme",
      host: "255.255.255.255",
      bufferSize: 0,
      onError: () => {
        calls += 1;
        throw new Error("broken logger");
      },
    });
    await serveRequests(statsd);
    await sleep(200);
    await statsd.close();
    expect(calls).toBe(1);
  });
});
