import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HTTP_DURATION_METRIC } from "../src/index.js";
import { requireBinary } from "./helpers.js";

const DIR = fileURLToPath(
  new URL("../../../observability/prometheus/", import.meta.url),
);
const RULES = readFileSync(`${DIR}alerts.yml`, "utf8");
const TESTS = readFileSync(`${DIR}alerts.test.yml`, "utf8");

function promtool(args: string[]): { status: number | null; output: string } {
  const binary = requireBinary("/usr/bin/promtool", "prometheus");
  const result = spawnSync(binary, args, {
    cwd: DIR,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const alerts = [...RULES.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);

describe("the Prometheus alert rules in observability/prometheus", () => {
  it("pass promtool check rules", () => {
    const result = promtool(["check", "rules", "alerts.yml"]);
    expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(result.status).toBe(0);
  });

  it("fire, each of them, in promtool test rules", () => {
    const result = promtool(["test", "rules", "alerts.test.yml"]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("have a unit test that expects each alert to fire", () => {
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    const tested = new Set(
      [...TESTS.matchAll(/alertname: (\S+)\n\s+exp_alerts:\n\s+- /g)].map(
        (m) => m[1],
      ),
    );
    expect([...tested].sort()).toEqual([...alerts].sort());
  });

  it("use the metric names the middleware exports", () => {
    expect(RULES).toContain(`${HTTP_DURATION_METRIC}_count`);
    expect(RULES).toContain(`${HTTP_DURATION_METRIC}_bucket`);
  });
});
