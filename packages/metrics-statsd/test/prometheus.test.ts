import { randomBytes } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import express from "express";
import {
  createPrometheusMetrics,
  isMetricsError,
  type MetricsError,
  type PrometheusMetricsOptions,
} from "@cloud-platform/metrics-statsd";
import {
  addRoutes,
  listen,
  requireBinary,
  run,
  sendAll,
  STANDARD_REQUESTS,
  type RunningApp,
} from "./helpers.js";

async function startApp(
  options: PrometheusMetricsOptions,
): Promise<RunningApp & { token: string }> {
  const token = randomBytes(16).toString("hex");
  const prom = createPrometheusMetrics({
    customer: "acme",
    environment: "test",
    ...options,
  });
  const app = express();
  app.use(prom.middleware());
  app.get("/metrics", prom.handler({ token }));
  addRoutes(app);
  const running = await listen(app);
  return { ...running, token };
}

async function scrape(app: RunningApp & { token: string }): Promise<string> {
  const res = await fetch(`${app.base}/metrics`, {
    headers: { authorization: `Bearer ${app.token}` },
  });
  expect(res.status).toBe(200);
  return res.text();
}

/** The `_count` series of the HTTP histogram, as `labels → count`. */
function httpCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(
    /^http_request_duration_seconds_count\{(.*)\} (\d+)$/gm,
  ))
    counts[m[1]!] = Number(m[2]);
  return counts;
}

describe("Prometheus exposition", () => {
  it("answers 401 without a token or with a wrong one, and 200 with the right one", async () => {
    const app = await startApp({ defaultMetrics: false });
    try {
      const none = await fetch(`${app.base}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      for (const wrong of [
        "x".repeat(app.token.length),
        "short",
        `${app.token}x`,
      ]) {
        const res = await fetch(`${app.base}/metrics`, {
          headers: { authorization: `Bearer ${wrong}` },
        });
        expect(res.status).toBe(401);
      }
      const basic = await fetch(`${app.base}/metrics`, {
        headers: { authorization: `Basic ${app.token}` },
      });
      expect(basic.status).toBe(401);
      expect(await scrape(app)).toContain(
        "# TYPE http_request_duration_seconds histogram",
      );
    } finally {
      await app.close();
    }
  });

  it("counts requests by route template, method and status class, with customer and environment", async () => {
    const app = await startApp({ defaultMetrics: false });
    try {
      await sendAll(app.base, STANDARD_REQUESTS);
      const counts = httpCounts(await scrape(app));
      const common = 'environment="test",customer="acme"';
      expect(counts).toEqual({
        [`${common},route="/",method="GET",status_class="2xx"`]: 1,
        [`${common},route="/attachments/:id",method="GET",status_class="2xx"`]: 2,
        [`${common},route="/attachments",method="POST",status_class="2xx"`]: 1,
        [`${common},route="/attachments/:id",method="DELETE",status_class="2xx"`]: 1,
        [`${common},route="/files/*path",method="GET",status_class="2xx"`]: 1,
        [`${common},route="/users/:userId/posts/:postId",method="GET",status_class="2xx"`]: 1,
        [`${common},route="unmatched",method="GET",status_class="4xx"`]: 1,
      });
    } finally {
      await app.close();
    }
  });

  it("puts every repeated observation in its bucket, sum and count, and starts again after a reset", async () => {
    const prom = createPrometheusMetrics({
      environment: "test",
      defaultMetrics: false,
      buckets: [1e-9, 60],
    });
    const app = express();
    app.use(prom.middleware());
    app.get("/", (_req, res) => void res.send("home"));
    const running = await listen(app);
    const series = async (): Promise<Record<string, number>> => {
      const found: Record<string, number> = {};
      for (const m of (await prom.metrics()).matchAll(
        /^http_request_duration_seconds_(bucket|count|sum)\{[^}]*?(?:le="([^"]+)")?[^}]*\} (\S+)$/gm,
      ))
        found[m[2] === undefined ? m[1]! : `le=${m[2]}`] = Number(m[3]);
      return found;
    };
    const requests = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++)
        await sendAll(running.base, [
          { method: "GET", path: "/", route: "root", status: 200 },
        ]);
    };
    try {
      await requests(5);
      const first = await series();
      expect(first).toMatchObject({
        "le=1e-9": 0,
        "le=60": 5,
        "le=+Inf": 5,
        count: 5,
      });
      expect(first["sum"]).toBeGreaterThan(0);
      prom.registry.resetMetrics();
      await requests(2);
      expect(await series()).toMatchObject({
        "le=1e-9": 0,
        "le=60": 2,
        "le=+Inf": 2,
        count: 2,
      });
    } finally {
      await running.close();
      prom.close();
    }
  });

  it("includes the Node default metrics with the same labels", async () => {
    const app = await startApp({});
    try {
      const text = await scrape(app);
      expect(text).toMatch(
        /^process_cpu_user_seconds_total\{environment="test",customer="acme"\} /m,
      );
      expect(text).toMatch(
        /^nodejs_eventloop_lag_seconds\{environment="test",customer="acme"\} /m,
      );
    } finally {
      await app.close();
    }
  });

  it("produces output that promtool check metrics accepts", async () => {
    const promtool = requireBinary("/usr/bin/promtool", "prometheus");
    const app = await startApp({});
    try {
      await sendAll(app.base, STANDARD_REQUESTS);
      const result = run(promtool, ["check", "metrics"], await scrape(app));
      expect(result.output).toBe("");
      expect(result.status).toBe(0);
    } finally {
      await app.close();
    }
  });

  it("collapses label sets beyond the cap into the overflow label and warns once", async () => {
    const warnings: MetricsError[] = [];
    const app = await startApp({
      defaultMetrics: false,
      maxLabelSets: 3,
      onWarning: (w) => warnings.push(w),
    });
    try {
      await sendAll(app.base, [...STANDARD_REQUESTS, ...STANDARD_REQUESTS]);
      const counts = httpCounts(await scrape(app));
      const overflow = Object.entries(counts).filter(([labels]) =>
        labels.includes('route="__overflow__",method="__overflow__"'),
      );
      expect(Object.keys(counts)).toHaveLength(3 + overflow.length);
      expect(overflow.length).toBeGreaterThan(0);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      expect(total).toBe(STANDARD_REQUESTS.length * 2);
      expect(warnings).toHaveLength(1);
      expect(isMetricsError(warnings[0], "E_METRICS_LABEL_OVERFLOW")).toBe(
        true,
      );
    } finally {
      await app.close();
    }
  });

  it("rejects an invalid label cap and a token that cannot travel in a header", () => {
    expect(() =>
      createPrometheusMetrics({ maxLabelSets: 0, defaultMetrics: false }),
    ).toThrow(/maxLabelSets/);
    const prom = createPrometheusMetrics({ defaultMetrics: false });
    let caught: unknown;
    try {
      prom.handler({ token: "has a space" });
    } catch (error) {
      caught = error;
    }
    expect(isMetricsError(caught, "E_METRICS_INVALID_OPTION")).toBe(true);
    expect(String(caught)).not.toContain("has a space");
  });
});
