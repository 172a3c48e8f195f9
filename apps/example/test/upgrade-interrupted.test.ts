import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { killAll, startApp, untilReady } from "./app-process.js";
import { download, login, sha256 } from "./client.js";
import { listRecords, locationOf } from "./object-refs.js";
import {
  createUpgradeFixture,
  type UpgradeFixture,
} from "./upgrade-fixture.js";

jest.setTimeout(600_000);

const FILES = 2000;
const DRAIN_S = 1;
const DEADLINE_S = 10;

async function migration(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/monitoring/status?deep=1`);
  const body = (await response.json()) as {
    migration?: Record<string, unknown>;
  };
  return body.migration ?? {};
}

/**
 * SIGTERM while the start-up migration moves files to Swift: the process exits 0 within the
 * drain delay plus the deadline, leaving some files moved and the rest where they were; the
 * next start (same new version: it was never recorded) resumes and moves the rest.
 */
describe("a SIGTERM during the start-up migration", () => {
  let fixture: UpgradeFixture | undefined;

  beforeAll(async () => {
    fixture = await createUpgradeFixture("ovh", FILES);
  }, 300_000);

  afterAll(async () => {
    await killAll();
    await fixture?.drop();
  }, 120_000);

  it("exits 0 within drain plus deadline, and the next start resumes the migration with nothing lost", async () => {
    const env = {
      ...fixture!.env,
      APP_VERSION: "2.0.0",
      CLOUD_PLATFORM_DRAIN_DELAY: String(DRAIN_S),
      CLOUD_PLATFORM_SHUTDOWN_TIMEOUT: String(DEADLINE_S),
    };
    const first = await startApp(env, { name: "first" });
    let state = await migration(first.url);
    while (state.state !== "running" || Number(state.moved) === 0) {
      if (["done", "failed", "not-needed"].includes(String(state.state)))
        throw new Error(`the migration ended first: ${JSON.stringify(state)}`);
      await sleep(20);
      state = await migration(first.url);
    }
    const signalledAt = performance.now();
    const exit = await first.stop((DRAIN_S + DEADLINE_S + 30) * 1000);
    const seconds = (performance.now() - signalledAt) / 1000;
    expect(exit).toEqual({ code: 0, signal: null });
    // Process start-up is not in it, a process exit is: one second of slack.
    expect(seconds).toBeLessThan(DRAIN_S + DEADLINE_S + 1);
    expect(
      first.logs.some(
        (l) =>
          l.message.startsWith("the start-up migration did not finish") &&
          l.status === "aborted",
      ),
    ).toBe(true);

    const swift = `swift://${fixture!.container}`;
    const between = await listRecords(fixture!.db.url);
    const movedBefore = between.filter((r) => locationOf(r.ref) === swift);
    const left = between.filter((r) => locationOf(r.ref) === "file");
    expect(movedBefore.length).toBeGreaterThan(0);
    expect(left.length).toBeGreaterThan(0);
    expect(movedBefore.length + left.length).toBe(FILES);

    const second = await startApp(env, { name: "second" });
    await untilReady(second.url, 400_000);
    expect(await migration(second.url)).toMatchObject({ state: "done" });
    const after = await listRecords(fixture!.db.url);
    expect(after.filter((r) => locationOf(r.ref) !== swift)).toEqual([]);
    expect(after).toHaveLength(FILES);
    const cookie = await login(second.url, "reader");
    for (const record of after) {
      const got = await download(second.url, cookie, record.id);
      expect(got.response.status).toBe(200);
      expect(sha256(got.bytes)).toBe(fixture!.checksums.get(record.id));
    }
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });
});
