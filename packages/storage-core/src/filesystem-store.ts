import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import {
  copyFile,
  mkdir,
  open,
  readFile,
  readdir,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { once } from "node:events";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageError, StorageErrorCode } from "./errors.js";
import { defineStore, type StoreDriver } from "./define-store.js";
import { walkSorted } from "./filesystem-walk.js";
import type { ObjectInfo, ObjectStore, PutOptions } from "./object-store.js";
import { resolveRange } from "./streams.js";

/** Options of {@link createFilesystemStore}. */
export interface FilesystemStoreOptions {
  /** Directory holding the objects, one file per key at `<root>/<key>`. Created if missing. */
  root: string;
  /** fsync each file (and its directory) before the rename that publishes it. @default false */
  fsync?: boolean;
}

/** Top-level entries of the root the store keeps for itself; keys may not start with them. */
export const FILESYSTEM_RESERVED = [".cp-meta", ".cp-tmp"] as const;
const META = FILESYSTEM_RESERVED[0];
const TMP = FILESYSTEM_RESERVED[1];
const DEFAULT_TYPE = "application/octet-stream";

interface Sidecar {
  contentType?: string;
  metadata?: Record<string, string>;
}

/**
 * The local filestore as an {@link ObjectStore}: the object of key `a/b.txt` is the file
 * `<root>/a/b.txt`. Writes go to a temporary file first and are published by a rename, so
 * readers never see half a file and a failed or aborted upload leaves nothing behind.
 * Content type and metadata live in `<root>/.cp-meta/<key>.json` (only when set). Paths are
 * resolved (symlinks included) and must stay inside the root.
 */
export function createFilesystemStore(
  options: FilesystemStoreOptions,
): ObjectStore {
  const root = resolve(options.root);
  let realRoot: Promise<string> | undefined;
  const base = (): Promise<string> =>
    (realRoot ??= mkdir(join(root, TMP), { recursive: true }).then(async () => {
      sweepStaleTemps(join(root, TMP));
      return realpath(root);
    }));

  /** Refuses the keys no file can have; the path of `key` under the (resolved) root. */
  const pathOf = (top: string, key: string): string => {
    const first = key.split("/")[0] ?? "";
    if ((FILESYSTEM_RESERVED as readonly string[]).includes(first)) {
      throw new StorageError(
        StorageErrorCode.InvalidKey,
        `keys under ${first}/ are reserved by the filesystem store`,
        { key },
      );
    }
    if (key.split("/").some((segment) => Buffer.byteLength(segment) > 255)) {
      throw new StorageError(
        StorageErrorCode.InvalidKey,
        "a key segment over 255 bytes cannot be a file name",
        { key },
      );
    }
    return join(top, ...key.split("/"));
  };

  /** The file of `key`, after checking that its directory resolves inside the root. */
  const fileOf = async (key: string, create = false): Promise<string> => {
    const top = await base();
    const file = pathOf(top, key);
    if (create) await mkdir(dirname(file), { recursive: true });
    const dir = await realpath(dirname(file)).catch((e: unknown) => {
      if (isCode(e, "ENOENT", "ENOTDIR")) return dirname(file);
      throw e;
    });
    if (dir !== top && !dir.startsWith(top + sep)) {
      throw new StorageError(
        StorageErrorCode.InvalidKey,
        `key ${JSON.stringify(key)} resolves outside the store root`,
        { key },
      );
    }
    return join(dir, file.slice(dirname(file).length + 1));
  };
  const metaFileOf = async (key: string): Promise<string> =>
    join(await base(), META, ...key.split("/")) + ".json";
  const notFound = (key: string, cause: unknown): StorageError =>
    new StorageError(
      StorageErrorCode.NotFound,
      `no object ${JSON.stringify(key)} in ${root}`,
      { key, cause },
    );

  const statFile = async (
    key: string,
  ): Promise<{ file: string; size: number; mtime: Date }> => {
    const top = await base();
    const path = pathOf(top, key);
    let file: string;
    try {
      // One realpath of the whole path resolves every symlink on the way (directories and
      // the file itself): what it names must be inside the root. The directory is not
      // resolved apart first, which was a third of a migration's file-system calls.
      file = await realpath(path);
      if (!file.startsWith(top + sep)) {
        throw new StorageError(
          StorageErrorCode.InvalidKey,
          `key ${JSON.stringify(key)} resolves outside the store root`,
          { key },
        );
      }
      const s = await stat(file);
      if (!s.isFile()) throw notFound(key, undefined);
      return { file, size: s.size, mtime: s.mtime };
    } catch (e) {
      if (isCode(e, "ENOENT", "ENOTDIR")) {
        // Missing: a directory that leaves the root still says so (not whether a file is there).
        await fileOf(key);
        throw notFound(key, e);
      }
      throw e;
    }
  };

  const readSidecar = async (key: string): Promise<Sidecar> => {
    try {
      return JSON.parse(
        await readFile(await metaFileOf(key), "utf8"),
      ) as Sidecar;
    } catch (e) {
      if (isCode(e, "ENOENT", "ENOTDIR")) return {};
      throw e;
    }
  };

  /** Writes `<meta>.json` for `key`, or removes it when there is nothing to keep. */
  const writeSidecar = async (key: string, sidecar: Sidecar): Promise<void> => {
    const metaFile = await metaFileOf(key);
    if (
      sidecar.contentType === undefined &&
      Object.keys(sidecar.metadata ?? {}).length === 0
    ) {
      await rm(metaFile, { force: true });
      return;
    }
    await mkdir(dirname(metaFile), { recursive: true });
    const tmp = join(await base(), TMP, randomUUID());
    await writeFile(tmp, JSON.stringify(sidecar));
    await rename(tmp, metaFile);
  };

  const publish = async (tmp: string, key: string): Promise<string> => {
    const file = await fileOf(key, true);
    if (options.fsync) await syncFile(tmp);
    await rename(tmp, file);
    if (options.fsync) await syncFile(dirname(file));
    return file;
  };

  const writeBody = async (
    body: Buffer | Readable,
    tmp: string,
  ): Promise<number> => {
    if (Buffer.isBuffer(body)) {
      await writeFile(tmp, body);
      return body.length;
    }
    let size = 0;
    body.on("data", (chunk: Buffer) => (size += chunk.length));
    const out = createWriteStream(tmp);
    try {
      await pipeline(body, out);
    } catch (error) {
      // A source that fails fast can beat the file's open (a busy thread pool): wait until the
      // stream has opened and closed the file, so the caller's clean-up removes it instead of
      // running before it exists.
      if (!out.closed) await once(out, "close");
      throw error;
    }
    return size;
  };

  const driver: StoreDriver = {
    kind: "file",
    async put(key, body, opts: PutOptions) {
      await fileOf(key);
      const tmp = join(await base(), TMP, randomUUID());
      try {
        const size = await writeBody(body, tmp);
        const sidecar: Sidecar = {};
        if (opts.contentType !== undefined)
          sidecar.contentType = opts.contentType;
        if (opts.metadata !== undefined) sidecar.metadata = opts.metadata;
        await writeSidecar(key, sidecar);
        const file = await publish(tmp, key);
        const s = await stat(file);
        return { key, size, etag: etagOf(s.size, s.mtime) };
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    async get(key) {
      const { file } = await statFile(key);
      return readFile(file);
    },
    async getStream(key, opts = {}) {
      const { file, size } = await statFile(key);
      const stream = {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.chunkSize !== undefined && opts.chunkSize > 0
          ? { highWaterMark: Math.floor(opts.chunkSize) }
          : {}),
      };
      if (!opts.range) return createReadStream(file, stream);
      const r = resolveRange(opts.range, size, key);
      // An empty object (Node refuses `end: -1`): nothing to read.
      if (!r) return Readable.from([], { objectMode: false });
      return createReadStream(file, { ...stream, start: r.start, end: r.end });
    },
    async head(key) {
      const { size, mtime } = await statFile(key);
      const sidecar = await readSidecar(key);
      const info: ObjectInfo = {
        key,
        size,
        contentType: sidecar.contentType ?? DEFAULT_TYPE,
        etag: etagOf(size, mtime),
        lastModified: mtime,
        metadata: { ...sidecar.metadata },
      };
      return info;
    },
    async exists(key) {
      try {
        await statFile(key);
        return true;
      } catch (e) {
        if (e instanceof StorageError && e.code === StorageErrorCode.NotFound)
          return false;
        throw e;
      }
    },
    async delete(key) {
      const file = await fileOf(key);
      await rm(await metaFileOf(key), { force: true });
      try {
        await unlink(file);
      } catch (e) {
        if (isCode(e, "ENOENT", "ENOTDIR")) return;
        throw e;
      }
      await pruneEmptyDirs(dirname(file), await base());
    },
    async *list(prefix = "") {
      const top = await base();
      for await (const entry of walkSorted(top, prefix, FILESYSTEM_RESERVED)) {
        yield {
          key: entry.key,
          size: entry.size,
          etag: etagOf(entry.size, entry.mtime),
          lastModified: entry.mtime,
        };
      }
    },
    async copy(from, to) {
      const { file } = await statFile(from);
      const tmp = join(await base(), TMP, randomUUID());
      try {
        await copyFile(file, tmp);
        await writeSidecar(to, await readSidecar(from));
        await publish(tmp, to);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
  };
  return defineStore(driver);
}

/** Temporary files older than this were left by a killed process: no upload lasts a day. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/** Removes, in the background, temporary files a killed process left behind. */
function sweepStaleTemps(dir: string): void {
  void (async () => {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of await readdir(dir)) {
      const file = join(dir, name);
      const s = await stat(file).catch(() => undefined);
      if (s && s.mtimeMs < cutoff) await rm(file, { force: true });
    }
  })().catch(() => undefined);
}

function etagOf(size: number, mtime: Date): string {
  return `${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}`;
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    codes.includes((error as { code?: string }).code ?? "")
  );
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes now-empty directories from `dir` up to (not including) `top`. */
async function pruneEmptyDirs(dir: string, top: string): Promise<void> {
  let current = dir;
  while (
    current !== top &&
    relative(top, current) !== "" &&
    !relative(top, current).startsWith("..")
  ) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty (or gone): stop climbing
    }
    current = dirname(current);
  }
}
