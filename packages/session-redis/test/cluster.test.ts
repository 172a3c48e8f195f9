import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Cluster, Redis } from "ioredis";
import type { SessionData } from "express-session";
import {
  startRedisServer,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import { RedisSessionStore } from "@cloud-platform/session-redis";

/** A one-node Redis Cluster owning every slot: enough to exercise the cluster code paths. */
async function startCluster(dir: string): Promise<OwnedRedis> {
  const node = await startRedisServer([
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    join(dir, "nodes.conf"),
    // Without it the node announces itself with an empty address.
    "--cluster-announce-ip",
    "127.0.0.1",
  ]);
  const admin = new Redis(node.port, "127.0.0.1");
  await admin.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
  // The state turns ok about two seconds after the slots are assigned.
  for (
    let i = 0;
    i < 200 &&
    !((await admin.call("CLUSTER", "INFO")) as string).includes(
      "cluster_state:ok",
    );
    i++
  ) {
    await sleep(50);
  }
  await admin.quit();
  return node;
}

describe("RedisSessionStore on a Redis Cluster", () => {
  let dir: string;
  let node: OwnedRedis;
  let cluster: Cluster;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sr-cluster-"));
    node = await startCluster(dir);
    cluster = new Cluster([{ host: "127.0.0.1", port: node.port }]);
    await once(cluster, "ready");
  });
  afterAll(async () => {
    await cluster.quit();
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists, reads and clears sessions by scanning every master", async () => {
    const store = new RedisSessionStore({
      client: cluster,
      prefix: "cluster-test",
    });
    const sids = ["c1", "c2", "c3", "c4"];
    for (const sid of sids)
      await store.set(sid, {
        cookie: { expires: null },
        note: sid,
      } as unknown as SessionData);
    expect((await store.ids()).sort()).toEqual(sids);
    expect((await store.all()).map((s) => s.note).sort()).toEqual(sids);
    await store.clear();
    expect(await store.length()).toBe(0);
    await store.close();
  });
});
