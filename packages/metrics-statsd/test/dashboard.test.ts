import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import {
  createPrometheusMetrics,
  type PrometheusMetrics,
} from "../src/index.js";
import { listen, requireBinary, type RunningApp } from "./helpers.js";

const DASHBOARD = new URL(
  "../../../observability/grafana/cloud-platform-http.json",
  import.meta.url,
);

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
  panels: Panel[];
  templating: { list: { name: string }[] };
};
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

/** The expression as Prometheus gets it once Grafana has put in its variables. */
function expand(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "5m")
    .replaceAll("$customer", ".*")
    .replaceAll("$environment", ".*");
}

/** Metric names an expression selects (`name{` or `name[`), functions and labels left out. */
function metricNames(expr: string): string[] {
  return [...expand(expr).matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map(
    (m) => m[1]!,
  );
}

describe("the Grafana dashboard in observability/grafana", () => {
  let metrics: PrometheusMetrics;
  let app: RunningApp;
  let exposed: Set<string>;

  beforeAll(async () => {
    metrics = createPrometheusMetrics({
      customer: "acme",
      environment: "test",
    });
    const server = express();
    server.use(metrics.middleware());
    server.get("/items/:id", (_req, res) => res.send("ok"));
    app = await listen(server);
    await (await fetch(`${app.base}/items/1`)).text();
    const text = await metrics.metrics();
    exposed = new Set(
      [...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]!),
    );
  });
  afterAll(async () => {
    await app.close();
    metrics.close();
  });

  it("has customer and environment as template variables", () => {
    const names = dashboard.templating.list.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(["customer", "environment"]));
  });

  it("references in every panel only metrics the app exposes", () => {
    expect(exprs.length).toBeGreaterThan(0);
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      expect([panel, names.length > 0]).toEqual([panel, true]);
      for (const name of names)
        expect([panel, name, exposed.has(name)]).toEqual([panel, name, true]);
    }
  });

  it("has panels whose PromQL promtool parses", () => {
    const promtool = requireBinary("/usr/bin/promtool", "prometheus");
    const dir = mkdtempSync(join(tmpdir(), "cp-dashboard-"));
    try {
      // Each expression as a recording rule: `promtool check rules` parses its PromQL.
      const rules = exprs
        .map(
          (e, i) =>
            `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(expand(e.expr))}`,
        )
        .join("\n");
      writeFileSync(
        join(dir, "rules.yml"),
        `groups:\n  - name: dashboard\n    rules:\n${rules}\n`,
      );
      const result = spawnSync(promtool, ["check", "rules", "rules.yml"], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(`${result.stdout}${result.stderr}`).toContain(
        `SUCCESS: ${exprs.length} rules found`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
