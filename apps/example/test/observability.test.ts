import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseRef } from "@cloud-platform/storage-core";
import {
  freePort,
  startRedisServer,
  waitForPort,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import {
  killAll,
  startApp,
  untilReady,
  type AppProcess,
} from "./app-process.js";
import { call, download, login, randomBody, uploadRaw } from "./client.js";
import { listRecords } from "./object-refs.js";
import {
  createUpgradeFixture,
  type UpgradeFixture,
} from "./upgrade-fixture.js";

jest.setTimeout(300_000);

const ROOT = new URL("../../../observability/", import.meta.url);
const DASHBOARDS = ["cloud-platform-http.json", "cloud-platform-storage.json"];
const RULES = readFileSync(new URL("prometheus/alerts.yml", ROOT), "utf8");
const PROMETHEUS = "/usr/bin/prometheus";

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

/** Every PromQL expression of the dashboards (panels and variables) and of the alert rules. */
function expressions(): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  for (const file of DASHBOARDS) {
    const dashboard = JSON.parse(
      readFileSync(new URL(`grafana/${file}`, ROOT), "utf8"),
    ) as {
      panels: Panel[];
      templating: { list: { name: string; definition?: string }[] };
    };
    for (const panel of dashboard.panels)
      for (const target of panel.targets ?? [])
        found.push({ where: `${file}: ${panel.title}`, expr: target.expr });
    for (const variable of dashboard.templating.list) {
      const metric = /^label_values\((\w+),/.exec(variable.definition ?? "");
      if (metric)
        found.push({ where: `${file}: $${variable.name}`, expr: metric[1]! });
    }
  }
  // Each rule's expression without its threshold: the signal must exist even when no alert fires.
  for (const m of RULES.matchAll(
    /- alert: (\S+)\n\s+expr: (?:\|\n)?([\s\S]*?)\n\s+(?:for|labels):/g,
  )) {
    const signal = m[2]!
      .trim()
      .replace(/\s*(>|<|==|!=|>=|<=)\s*[0-9.]+$/, "")
      .replace(/\s+/g, " ");
    found.push({ where: `alerts.yml: ${m[1]!}`, expr: signal });
  }
  return found;
}

/** The expression as Prometheus gets it from Grafana, variables filled in. */
function expand(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$customer", ".*")
    .replaceAll("$environment", ".*");
}

/**
 * Alerts on a condition that only a misbehaving app creates (a label set the cap collapsed):
 * its selector matches nothing on a healthy one, which is the point of the rule.
 */
const ONLY_ON_FAILURE = new Set([
  "alerts.yml: CloudPlatformRouteLabelOverflow",
]);

/** A UDP socket keeping every statsd line it receives. */
async function statsdCollector(): Promise<{
  port: number;
  lines: string[];
  socket: Socket;
}> {
  const socket = createSocket("udp4");
  const lines: string[] = [];
  socket.on("message", (message) =>
    lines.push(...message.toString("utf8").split("\n").filter(Boolean)),
  );
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, lines, socket };
}

async function query(
  port: number,
  expr: string,
): Promise<{ status: string; data?: { result: unknown[] }; error?: string }> {
  const url = new URL(`http://127.0.0.1:${port}/api/v1/query`);
  url.searchParams.set("query", expr);
  const response = await fetch(url);
  return (await response.json()) as {
    status: string;
    data?: { result: unknown[] };
    error?: string;
  };
}

/**
 * A real Prometheus scrapes the example app (integration, S3, Redis sessions of a Redis the
 * test owns, statsd to a UDP socket) through a short bounded load: an upgrade migration
 * with one file missing, uploads, downloads, 404s, and 503s while Redis is stopped.
 */
describe("the example app under a real Prometheus", () => {
  let redis: OwnedRedis | undefined;
  let fixture: UpgradeFixture | undefined;
  let statsd: Awaited<ReturnType<typeof statsdCollector>> | undefined;
  let app: AppProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let promOutput = "";
  let promPort = 0;
  let dir = "";

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS))
      throw new Error(
        `${PROMETHEUS} is missing: install the Debian package "prometheus" (bash scripts/services.sh start does)`,
      );
    redis = await startRedisServer();
    fixture = await createUpgradeFixture("exoscale", 60, {
      redisUrl: redis.url,
    });
    // A file lost from the filestore before the upgrade: the migration fails on it.
    const [lost] = await listRecords(fixture.db.url);
    await unlink(join(fixture.filestore, parseRef(lost!.ref).key));
    statsd = await statsdCollector();
    app = await startApp({
      ...fixture.env,
      APP_VERSION: "2.0.0",
      ODOO_PROMETHEUS: "1",
      ODOO_STATSD: "1",
      STATSD_CUSTOMER: "acme",
      STATSD_HOST: "127.0.0.1",
      STATSD_PORT: String(statsd.port),
    });
    dir = await mkdtemp(join(tmpdir(), "cp-observability-"));
    promPort = await freePort();
    await writeFile(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 900ms",
        "scrape_configs:",
        "  - job_name: cloud-platform",
        "    static_configs:",
        `      - targets: ['127.0.0.1:${app.port}']`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout!.on("data", (c: Buffer) => (promOutput += c.toString()));
    prometheus.stderr!.on("data", (c: Buffer) => (promOutput += c.toString()));
    await waitForPort(promPort, 30_000);
  }, 300_000);

  afterAll(async () => {
    prometheus?.kill("SIGKILL");
    await killAll();
    statsd?.socket.close();
    await fixture?.drop();
    await redis?.stop();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("every expression of the dashboards and the alert rules returns a series", async () => {
    await untilReady(app!.url, 120_000);
    // The load: bounded, a few seconds of each kind.
    const cookie = await login(app!.url, "observer");
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const made = await uploadRaw(
        app!.url,
        cookie,
        `load-${i}.bin`,
        "application/octet-stream",
        randomBody(2048 + i),
      );
      ids.push(made.id);
    }
    for (let round = 0; round < 3; round += 1) {
      for (const id of ids) await download(app!.url, cookie, id);
      await (await call(app!.url, "/no/such/page", undefined)).arrayBuffer();
      await (await call(app!.url, "/attachments/0", cookie)).arrayBuffer();
      await sleep(1000);
    }
    await redis!.stop();
    for (let i = 0; i < 10; i += 1) {
      await (await call(app!.url, "/me", cookie)).arrayBuffer();
      await sleep(300);
    }
    await redis!.start();
    await untilReady(app!.url, 60_000);
    for (const id of ids) await download(app!.url, cookie, id);

    const all = expressions();
    // Every rule and every panel target is in the list (the parsing above cannot skip one).
    const rules = all.filter((e) => e.where.startsWith("alerts.yml: "));
    expect(rules).toHaveLength([...RULES.matchAll(/- alert: /g)].length);
    const panels = all.filter(
      (e) => e.where.includes(".json: ") && !e.where.includes(": $"),
    );
    expect(panels.length).toBe(
      DASHBOARDS.reduce(
        (n, file) =>
          n +
          [
            ...readFileSync(new URL(`grafana/${file}`, ROOT), "utf8").matchAll(
              /"expr": /g,
            ),
          ].length,
        0,
      ),
    );
    process.stdout.write(
      `${all.length} expressions (${rules.length} alert rules, ${panels.length} panel targets) asked of Prometheus\n`,
    );
    const missing: string[] = [];
    for (const { where, expr } of all) {
      if (ONLY_ON_FAILURE.has(where)) continue;
      let answer = await query(promPort, expand(expr));
      for (
        let tries = 0;
        tries < 30 && answer.data?.result.length === 0;
        tries++
      ) {
        await sleep(1000);
        answer = await query(promPort, expand(expr));
      }
      expect([where, answer.status, answer.error]).toEqual([
        where,
        "success",
        undefined,
      ]);
      if ((answer.data?.result.length ?? 0) === 0)
        missing.push(`${where}: ${expr}`);
    }
    expect(missing).toEqual([]);
  });

  it("sends the platform's metrics to statsd under the Prometheus names", async () => {
    const exposition = await (await fetch(`${app!.url}/metrics`)).text();
    const names = new Set(
      [...exposition.matchAll(/^# TYPE (cloud_platform_\w+) /gm)].map(
        (m) => m[1]!,
      ),
    );
    expect(names.size).toBeGreaterThan(15);
    const sent = statsd!.lines.map((line) => line.split(":")[0]!);
    for (const name of names) {
      const base = name.replace(/_(total|seconds)$/, "");
      expect([
        name,
        sent.some((s) => s.startsWith(`odoo.${base}.acme.integration`)),
      ]).toEqual([name, true]);
    }
    // What the load did shows: the stopped Redis, the file lost before the migration.
    const value = (series: string): number =>
      Number(
        new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(
          exposition,
        )?.[1] ?? "NaN",
      );
    expect(
      value(
        'cloud_platform_session_store_errors_total{operation="get",environment="integration",customer="acme"}',
      ) +
        value(
          'cloud_platform_session_store_errors_total{operation="unavailable",environment="integration",customer="acme"}',
        ),
    ).toBeGreaterThan(0);
    expect(
      value(
        'cloud_platform_migration_failures_total{environment="integration",customer="acme"}',
      ),
    ).toBe(1);
    // Every metric a dashboard panel names is exposed (a histogram by its _bucket/_count).
    for (const file of DASHBOARDS.slice(1)) {
      const text = readFileSync(new URL(`grafana/${file}`, ROOT), "utf8");
      for (const m of text.matchAll(/(cloud_platform_\w+)\{/g)) {
        const base = m[1]!.replace(/_(bucket|count|sum)$/, "");
        expect([file, m[1], names.has(base)]).toEqual([file, m[1], true]);
      }
    }
    // Bounded labels: no key, no id, no bucket name in any series.
    const bucket = fixture!.container;
    expect(exposition).not.toContain(bucket);
    expect(exposition).not.toMatch(/cloud_platform_\w+\{[^}]*[0-9a-f]{64}/);
  });
});
