import { opendir, stat } from "node:fs/promises";
import { join } from "node:path";

/** One file found by {@link walkSorted}. */
export interface WalkEntry {
  key: string;
  size: number;
  mtime: Date;
}

/**
 * Yields the regular files under `top` whose key starts with `prefix`, in ascending UTF-8
 * byte order of their keys (the order S3 and Swift list in). A directory sorts as its name
 * followed by `/`, which is what makes a depth-first walk come out in key order.
 */
export async function* walkSorted(
  top: string,
  prefix: string,
  reserved: readonly string[],
): AsyncGenerator<WalkEntry> {
  // Only descend into the directory that can hold the prefix.
  const slash = prefix.lastIndexOf("/");
  const startDir = slash === -1 ? "" : prefix.slice(0, slash);
  yield* walkDir(top, startDir, prefix, reserved);
}

async function* walkDir(
  top: string,
  rel: string,
  prefix: string,
  reserved: readonly string[],
): AsyncGenerator<WalkEntry> {
  let dir;
  try {
    dir = await opendir(rel === "" ? top : join(top, ...rel.split("/")));
  } catch (e) {
    if (
      (e as { code?: string }).code === "ENOENT" ||
      (e as { code?: string }).code === "ENOTDIR"
    )
      return;
    throw e;
  }
  const entries: { name: string; sortKey: Buffer; isDir: boolean }[] = [];
  for await (const d of dir) {
    if (rel === "" && reserved.includes(d.name)) continue;
    const isDir = d.isDirectory();
    if (!isDir && !d.isFile()) continue;
    entries.push({
      name: d.name,
      sortKey: Buffer.from(isDir ? `${d.name}/` : d.name),
      isDir,
    });
  }
  entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  for (const entry of entries) {
    const key = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDir) {
      const asDir = `${key}/`;
      if (asDir.startsWith(prefix) || prefix.startsWith(asDir))
        yield* walkDir(top, key, prefix, reserved);
    } else if (key.startsWith(prefix)) {
      const s = await stat(join(top, ...key.split("/")));
      yield { key, size: s.size, mtime: s.mtime };
    }
  }
}
