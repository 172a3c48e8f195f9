import { describeStoreContract } from "@cloud-platform/storage-contract";
import { createDatabaseStore, type SqlIndex } from "../src/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers.js";

let db: TestDatabase;
let index: SqlIndex;

describeStoreContract({
  name: "database store on SQLite",
  create: async () => {
    db = await createTestDatabase("sqlite");
    index = await db.open();
    return createDatabaseStore(index);
  },
  destroy: async () => {
    await index.close();
    await db.destroy();
  },
});
