import { describeStoreContract } from "@cloud-platform/storage-contract";
import type { ObjectStore } from "@cloud-platform/storage-core";
import type { SwiftAuthOptions } from "../src/options.js";
import {
  dropContainer,
  freshStore,
  keystoneAuth,
  tempAuth,
} from "./helpers.js";

const MiB = 1024 * 1024;

/** Runs the shared contract on a fresh container; 64 MiB segments make its 200 MiB object a 4-segment SLO. */
function contractFor(name: string, auth: SwiftAuthOptions): void {
  const containers = new Map<ObjectStore, string>();
  describeStoreContract({
    name,
    signedUrls: true,
    create: async () => {
      const { store, container } = freshStore(auth, {
        segmentSize: 64 * MiB,
        largeObjectThreshold: 64 * MiB,
        tempUrlKey: `key-${name}`,
      });
      // The first write creates the container (and installs the TempURL key on it).
      await store.put("contract-init", "");
      await store.delete("contract-init");
      containers.set(store, container);
      return store;
    },
    destroy: async (store) => dropContainer(auth, containers.get(store)!),
  });
}

contractFor("swift (tempauth)", tempAuth);
contractFor("swift (Keystone v3)", keystoneAuth);
