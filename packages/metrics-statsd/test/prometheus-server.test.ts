import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import { freePort, waitForPort } from "@cloud-platform/test-services";
import { createPrometheusMetrics } from "@cloud-platform/metrics-statsd";
import {
  addRoutes,
  eventually,
  listen,
  requireBinary,
  sendAll,
  STANDARD_REQUESTS,
  startChild,
  type Child,
  type RunningApp,
} from "./helpers.js";

interface QueryResult {
  status: string;
  data: {
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

describe("a real Prometheus server scraping the app", () => {
  let dir = "";
  let app: RunningApp | undefined;
  let server: Child | undefined;
  let promPort = 0;

  beforeAll(async () => {
    const binary = requireBinary("/usr/bin/prometheus", "prometheus");
    const token = randomBytes(16).toString("hex");
    const prom = createPrometheusMetrics({
      customer: "acme",
      environment: "test",
    });
    const web = express();
    web.use(prom.middleware());
    web.get("/metrics", prom.handler({ token }));
    addRoutes(web);
    app = await listen(web);
    await sendAll(app.base, STANDARD_REQUESTS);

    dir = await mkdtemp(join(tmpdir(), "metrics-prometheus-"));
    promPort = await freePort();
    const config = [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 900ms",
      "scrape_configs:",
      "  - job_name: app",
      "    authorization:",
      "      type: Bearer",
      `      credentials_file: ${join(dir, "token")}`,
      "    static_configs:",
      `      - targets: ['127.0.0.1:${app.port}']`,
      "",
    ].join("\n");
    await writeFile(join(dir, "token"), token, { mode: 0o600 });
    await writeFile(join(dir, "prometheus.yml"), config);
    server = startChild(binary, [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      "--log.level=warn",
    ]);
    await waitForPort(promPort, 20_000);
  });

  afterAll(async () => {
    await server?.stop();
    await app?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  async function query(
    expr: string,
  ): Promise<QueryResult["data"]["result"] | undefined> {
    const res = await fetch(
      `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (!res.ok) return undefined;
    const body = (await res.json()) as QueryResult;
    return body.data.result.length > 0 ? body.data.result : undefined;
  }

  it("records the HTTP series with their labels", async () => {
    const expr =
      'http_request_duration_seconds_count{job="app",route="/users/:userId/posts/:postId"}';
    const result = await eventually(
      "the series in Prometheus",
      () => query(expr),
      30_000,
    );
    expect(result).toHaveLength(1);
    expect(result[0]?.metric).toMatchObject({
      customer: "acme",
      environment: "test",
      method: "GET",
      status_class: "2xx",
    });
    expect(result[0]?.value[1]).toBe("1");
    const up = await query('up{job="app"}');
    expect(up?.[0]?.value[1]).toBe("1");
    const unmatched = await query(
      'http_request_duration_seconds_count{job="app",route="unmatched",status_class="4xx"}',
    );
    expect(unmatched?.[0]?.value[1]).toBe("1");
  });
});
