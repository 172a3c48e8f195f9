import {
  mkdir,
  mkdtemp,
  readdir,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { patternStream } from "@cloud-platform/storage-contract";
import {
  StorageErrorCode,
  createFilesystemStore,
  isStorageError,
  type ObjectStore,
} from "../src/index.js";

let base: string;
let root: string;
let outside: string;
let store: ObjectStore;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "cp-fs-safety-"));
  root = join(base, "root");
  outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "not yours");
  store = createFilesystemStore({ root, fsync: true });
});
afterAll(async () => rm(base, { recursive: true, force: true }));

const codeOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => "resolved",
    (e: unknown) => (isStorageError(e) ? e.code : e),
  );

describe("filesystem store safety", () => {
  it("keeps the file of a key at <root>/<key>", async () => {
    await store.put("ab/cd/file.txt", "hello");
    expect(await readdir(join(root, "ab", "cd"))).toEqual(["file.txt"]);
  });

  it("refuses to read through a directory symlink that leaves the root", async () => {
    await symlink(outside, join(root, "escape"));
    expect(await codeOf(store.get("escape/secret.txt"))).toBe(
      StorageErrorCode.InvalidKey,
    );
    expect(await codeOf(store.put("escape/planted.txt", "x"))).toBe(
      StorageErrorCode.InvalidKey,
    );
    expect(await readdir(outside)).toEqual(["secret.txt"]);
    // A missing file says the same: a read does not tell what exists outside the root.
    expect(await codeOf(store.get("escape/missing.txt"))).toBe(
      StorageErrorCode.InvalidKey,
    );
    expect(await codeOf(store.exists("escape/missing.txt"))).toBe(
      StorageErrorCode.InvalidKey,
    );
  });

  it("refuses to read a file symlink that points outside the root", async () => {
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    expect(await codeOf(store.get("link.txt"))).toBe(
      StorageErrorCode.InvalidKey,
    );
  });

  it("reserves its own bookkeeping folders", async () => {
    expect(await codeOf(store.put(".cp-meta/x", "x"))).toBe(
      StorageErrorCode.InvalidKey,
    );
    expect(await codeOf(store.get(".cp-tmp/x"))).toBe(
      StorageErrorCode.InvalidKey,
    );
  });

  it("rejects a key segment too long for a file name with E_INVALID_KEY", async () => {
    expect(await codeOf(store.put(`a/${"x".repeat(256)}`, "x"))).toBe(
      StorageErrorCode.InvalidKey,
    );
  });

  it("leaves no temporary file behind after a failed upload", async () => {
    await store.put("tmp/seed", "x");
    expect(
      await codeOf(
        store.put(
          "tmp/failed",
          patternStream(4_000_000, { failAfter: 1_000_000 }),
        ),
      ),
    ).toBe(StorageErrorCode.Aborted);
    expect(await readdir(join(root, ".cp-tmp"))).toEqual([]);
    expect(await store.exists("tmp/failed")).toBe(false);
  });

  it("removes directories a delete leaves empty", async () => {
    await store.put("prune/a/b/c.txt", "x");
    await store.delete("prune/a/b/c.txt");
    expect((await readdir(root)).includes("prune")).toBe(false);
  });

  it("does not list its metadata or temporary files", async () => {
    await store.put("meta/one", "x", {
      contentType: "text/plain",
      metadata: { a: "b" },
    });
    const keys: string[] = [];
    for await (const e of store.list("")) keys.push(e.key);
    expect(keys.some((k) => k.startsWith(".cp-"))).toBe(false);
    expect(keys).toContain("meta/one");
  });
});

describe("filesystem store housekeeping", () => {
  it("removes temporary files a killed process left more than a day ago", async () => {
    const { utimes } = await import("node:fs/promises");
    const dir = join(base, "housekeeping");
    await mkdir(join(dir, ".cp-tmp"), { recursive: true });
    await writeFile(join(dir, ".cp-tmp", "old"), "left by a crash");
    await writeFile(join(dir, ".cp-tmp", "recent"), "an upload in flight");
    const dayAndMore = new Date(Date.now() - 25 * 3600 * 1000);
    await utimes(join(dir, ".cp-tmp", "old"), dayAndMore, dayAndMore);
    const fresh = createFilesystemStore({ root: dir });
    await fresh.exists("x");
    for (
      let i = 0;
      i < 50 && (await readdir(join(dir, ".cp-tmp"))).includes("old");
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(await readdir(join(dir, ".cp-tmp"))).toEqual(["recent"]);
  });
});
