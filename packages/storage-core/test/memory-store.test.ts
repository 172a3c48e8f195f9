import { describeStoreContract } from "@cloud-platform/storage-contract";
import { createMemoryStore } from "../src/index.js";

describeStoreContract({
  name: "memory",
  create: async () => createMemoryStore(),
  inMemory: true,
  largeObjectBytes: 16 * 1024 * 1024,
});
