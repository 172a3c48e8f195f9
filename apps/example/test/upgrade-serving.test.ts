import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { killAll, startApp, type AppProcess } from "./app-process.js";
import { download, login, sha256 } from "./client.js";
import { listRecords, locationOf } from "./object-refs.js";
import {
  createUpgradeFixture,
  type UpgradeFixture,
} from "./upgrade-fixture.js";

jest.setTimeout(600_000);

const FILES = 5000;

/** One probe answer: when it was asked, how long it took, what it said. */
interface Answer {
  at: number;
  ms: number;
  status: number;
}

/** Polls a probe every `everyMs` until `stop()`; every answer kept (a refused one is status 0). */
function pollProbe(
  url: string,
  everyMs: number,
): { answers: Answer[]; stop(): Promise<void> } {
  const answers: Answer[] = [];
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const at = performance.now();
      let status = 0;
      try {
        const response = await fetch(url);
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      answers.push({ at, ms: performance.now() - at, status });
      await sleep(everyMs);
    }
  })();
  return {
    answers,
    async stop() {
      state.running = false;
      await loop;
    },
  };
}

/** Latency quantiles of probe answers, in ms. */
function latencies(answers: readonly Answer[]): {
  count: number;
  p50: number;
  p99: number;
  max: number;
} {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const at = (q: number): number =>
    ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] ?? 0;
  return { count: ms.length, p50: at(0.5), p99: at(0.99), max: ms.at(-1) ?? 0 };
}

async function deepMigration(
  url: string,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${url}/monitoring/status?deep=1`);
  const body = (await response.json()) as {
    migration?: Record<string, unknown>;
  };
  return body.migration;
}

/**
 * An upgrade start with 5,000 files to move from the filestore to S3 (the local Swift's S3
 * API), on two front-ends started at once: both listen at once; the one that migrates is
 * live throughout, not ready until it is done; the other is ready at once and serves.
 */
describe("an upgrade start with 5,000 files serves while it migrates to S3", () => {
  let fixture: UpgradeFixture | undefined;
  let apps: AppProcess[] = [];

  beforeAll(async () => {
    fixture = await createUpgradeFixture("exoscale", FILES);
  }, 300_000);

  afterAll(async () => {
    await killAll();
    await fixture?.drop();
  }, 120_000);

  it("one front-end migrates live but not ready, the other is ready at once and serves; all files end moved", async () => {
    apps = await Promise.all(
      ["a", "b"].map((name) =>
        startApp({ ...fixture!.env, APP_VERSION: "2.0.0" }, { name }),
      ),
    );
    const live = apps.map((app) => pollProbe(`${app.url}/monitoring/live`, 50));
    const ready = apps.map((app) =>
      pollProbe(`${app.url}/monitoring/ready`, 100),
    );
    // The one holding the lock says so in deep status; the other found it held.
    let migrator = -1;
    for (let tries = 0; migrator < 0 && tries < 200; tries += 1) {
      const states = await Promise.all(apps.map((a) => deepMigration(a.url)));
      migrator = states.findIndex((s) => s?.state === "running");
      if (migrator < 0) await sleep(50);
    }
    expect(migrator).toBeGreaterThanOrEqual(0);
    const mover = apps[migrator]!;
    const other = apps[1 - migrator]!;
    expect((await deepMigration(other.url))?.state).toBe("elsewhere");

    // The other serves files already moved, while the mover is still not ready.
    const cookie = await login(other.url, "reader");
    const moved = (await listRecords(fixture!.db.url))
      .filter((r) => locationOf(r.ref) === `s3://${fixture!.container}`)
      .slice(0, 20);
    expect(moved.length).toBeGreaterThan(0);
    for (const record of moved) {
      const got = await download(other.url, cookie, record.id);
      expect(got.response.status).toBe(200);
      expect(sha256(got.bytes)).toBe(fixture!.checksums.get(record.id));
    }
    const progress = await deepMigration(mover.url);
    expect(progress).toMatchObject({ state: "running", total: FILES });
    expect(progress?.moved).toEqual(expect.any(Number));
    expect(progress?.filesPerSecond).toEqual(expect.any(Number));
    expect(progress?.etaSeconds).toEqual(expect.any(Number));

    const deadline = Date.now() + 420_000;
    while ((await deepMigration(mover.url))?.state === "running") {
      if (Date.now() > deadline) throw new Error("the migration did not end");
      await sleep(500);
    }
    await sleep(500);
    await Promise.all([...live, ...ready].map((p) => p.stop()));

    const moverReady = ready[migrator]!.answers.map((a) => a.status);
    const firstReady = moverReady.indexOf(200);
    expect(moverReady[0]).toBe(503);
    expect(firstReady).toBeGreaterThan(0);
    expect(new Set(moverReady.slice(0, firstReady))).toEqual(new Set([503]));
    expect(new Set(moverReady.slice(firstReady))).toEqual(new Set([200]));
    // The other was ready long before the mover.
    const otherReadyAt = ready[1 - migrator]!.answers.find(
      (a) => a.status === 200,
    )?.at;
    expect(otherReadyAt).toBeLessThan(ready[migrator]!.answers[firstReady]!.at);
    // The live probe of both, side by side: what the migrating one adds to the machine's own
    // scheduling delays (a shared CI machine runs other work). The target is 100 ms; the few
    // answers past it on a saturated machine are the scheduler's (the other front-end, idle,
    // sees them too), so p99 is held to it (or to twice the idle one's) and the max to a
    // probe's default timeout (1 s).
    const stats = live.map((probe) => latencies(probe.answers));
    for (const [i, s] of stats.entries())
      process.stdout.write(
        `live probe of the ${i === migrator ? "migrating" : "other"} front-end: ${s.count} answers, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms\n`,
      );
    expect(new Set(live[migrator]!.answers.map((a) => a.status))).toEqual(
      new Set([200]),
    );
    // On a machine loaded enough that the idle front-end's own p99 nears the target, the
    // migrating one may not add more than as much again: a blocked loop adds far more.
    const idle = stats[1 - migrator]!;
    expect(stats[migrator]!.p99).toBeLessThan(Math.max(100, 2 * idle.p99));
    expect(stats[migrator]!.max).toBeLessThan(1000);

    const records = await listRecords(fixture!.db.url);
    expect(
      records.filter((r) => locationOf(r.ref) !== `s3://${fixture!.container}`),
    ).toEqual([]);
    for (const record of records.slice(0, 50)) {
      const got = await download(other.url, cookie, record.id);
      expect(sha256(got.bytes)).toBe(fixture!.checksums.get(record.id));
    }
  });
});
