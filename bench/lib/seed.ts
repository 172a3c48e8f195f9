/**
 * Attachments on the local filestore, as an application leaves them before object storage
 * is installed: created through `createAttachments` (location `file`) on a SQLite index.
 * Copies of the seeded state (index copied, filestore hard-linked) let several migrations
 * start from the same files without writing them again.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import {
  createAttachments,
  createFilesystemStore,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, openIndex } from "@cloud-platform/storage-sql";

const exec = promisify(execFile);

/** A seeded platform state in `dir`: the index (`index.sqlite`, or a PostgreSQL database) and `filestore/`. */
export interface SeededState {
  dir: string;
  databaseUrl: string;
  filestorePath: string;
  files: number;
  bytes: number;
}

/** `size` bytes as a stream of ≤ 1 MiB chunks, each distinct (never whole in memory). */
function generated(size: number): Readable {
  const block = randomBytes(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(
        block.subarray(0, Math.min(block.length, size - sent)),
      );
      chunk.writeDoubleLE(sent, 0);
      chunk.writeDoubleLE(Math.random(), 8);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/**
 * Creates `files` attachments of `size` bytes on the filestore under `dir`: small ones from
 * buffers (content-addressed, as an app stores uploads it has in memory), large ones
 * streamed. `concurrency` creations at a time. The index is `dir/index.sqlite`, or the
 * (empty) PostgreSQL database `databaseUrl` names.
 */
export async function seedFilestore(
  dir: string,
  files: number,
  size: number,
  concurrency = 8,
  databaseUrl?: string,
): Promise<SeededState> {
  await mkdir(dir, { recursive: true });
  const state: SeededState = {
    dir,
    databaseUrl: databaseUrl ?? join(dir, "index.sqlite"),
    filestorePath: join(dir, "filestore"),
    files,
    bytes: files * size,
  };
  const index = await openIndex(state.databaseUrl);
  try {
    // Seeding only: commits need not wait for the disk (thousands of them otherwise take
    // minutes on a busy machine). The CLI reopens the file with its own durable settings.
    if (index.driver.dialect === "sqlite")
      await index.driver.run("PRAGMA synchronous = OFF");
    const attachments = createAttachments({
      index,
      location: "file",
      stores: {
        file: createFilesystemStore({ root: state.filestorePath }),
        db: createDatabaseStore(index),
      },
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < files; i = next++) {
        const body = size <= 1024 * 1024 ? randomBytes(size) : generated(size);
        await attachments.create({
          name: `file-${i}.bin`,
          mimetype: "application/octet-stream",
          body,
          size,
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await index.close();
  }
  return state;
}

/** A copy of `state` in `dir`: the index files copied, the filestore hard-linked (instant). */
export async function cloneState(
  state: SeededState,
  dir: string,
): Promise<SeededState> {
  await mkdir(dir, { recursive: true });
  const indexFiles = (await readdir(state.dir)).filter((f) =>
    f.startsWith("index.sqlite"),
  );
  for (const file of indexFiles)
    await exec("cp", [join(state.dir, file), join(dir, file)]);
  await exec("cp", ["-al", state.filestorePath, join(dir, "filestore")]);
  return {
    ...state,
    dir,
    databaseUrl: join(dir, "index.sqlite"),
    filestorePath: join(dir, "filestore"),
  };
}
