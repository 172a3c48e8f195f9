import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  createDatabaseStore,
  sweepAbandonedUploads,
  type SqlIndex,
} from "../src/index.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "./helpers.js";

const CHUNK = 1024;

/** A body of three chunks that stops before the second and third until the test says so. */
function gatedBody(): {
  body: AsyncGenerator<Buffer>;
  reached: (step: number) => Promise<void>;
  release: () => void;
} {
  let resume: () => void = () => undefined;
  const waiting: Array<(step: number) => void> = [];
  let at = 0;
  const pause = (step: number): Promise<void> =>
    new Promise<void>((resolve) => {
      at = step;
      resume = resolve;
      for (const notify of waiting.splice(0)) notify(step);
    });
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(CHUNK, 1);
    await pause(1);
    yield Buffer.alloc(CHUNK, 2);
    await pause(2);
    yield Buffer.alloc(CHUNK, 3);
  }
  return {
    body: body(),
    reached: (step) =>
      at === step
        ? Promise.resolve()
        : new Promise<void>((resolve) =>
            waiting.push((s) => {
              if (s === step) resolve();
            }),
          ),
    release: () => {
      resume();
    },
  };
}

describe.each(BACKENDS)("database store upload lease on %s", (backend) => {
  let db: TestDatabase;
  let index: SqlIndex;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
    index = await db.open();
  });
  afterAll(async () => {
    await index.close();
    await db.destroy();
  });

  it("keeps an upload that has streamed for more than an hour alive through a sweep", async () => {
    const store = createDatabaseStore(index, { chunkSize: CHUNK });
    const gated = gatedBody();
    const put = store.put("long/upload", gated.body);
    await gated.reached(1);
    // The upload started two hours ago...
    await index.driver.run("UPDATE cp_blob_uploads SET started_at = $1", [
      Date.now() - 2 * 3_600_000,
    ]);
    gated.release();
    // ...and is still sending chunks when another process opens the index.
    await gated.reached(2);
    expect(await sweepAbandonedUploads(index.driver)).toBe(0);
    gated.release();
    await put;
    const bytes = await store.get("long/upload");
    expect(bytes.length).toBe(3 * CHUNK);
    expect(bytes.subarray(2 * CHUNK).every((b) => b === 3)).toBe(true);
  });

  it("refuses to commit an upload whose chunks were swept meanwhile", async () => {
    const store = createDatabaseStore(index, { chunkSize: CHUNK });
    const gated = gatedBody();
    const put = store.put("swept/upload", gated.body);
    const outcome = put.then(
      () => "resolved",
      (e: unknown) => (e as { code?: string }).code,
    );
    await gated.reached(1);
    expect(await sweepAbandonedUploads(index.driver, -1)).toBe(1);
    gated.release();
    await gated.reached(2);
    gated.release();
    expect(await outcome).toBe("E_UNAVAILABLE");
    expect(await store.exists("swept/upload")).toBe(false);
    const left = await index.driver.all<{ n: number | string }>(
      "SELECT count(*) AS n FROM cp_blob_chunks WHERE blob_id NOT IN (SELECT blob_id FROM cp_blobs)",
    );
    expect(Number(left[0]?.n)).toBe(0);
  });
});
