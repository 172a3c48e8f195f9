import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreContract } from "@cloud-platform/storage-contract";
import { createFilesystemStore } from "../src/index.js";

let root: string;

describeStoreContract({
  name: "filesystem",
  create: async () => {
    root = await mkdtemp(join(tmpdir(), "cp-fs-contract-"));
    return createFilesystemStore({ root });
  },
  destroy: async () => rm(root, { recursive: true, force: true }),
});
