export {
  DEFAULT_SQLITE_PATH,
  indexDatabaseName,
  indexOptionsFromEnv,
  openIndex,
} from "./open-index.js";
export type {
  IndexEnvOptions,
  IndexTarget,
  OpenIndexOptions,
} from "./open-index.js";
export { createSqlIndex } from "./sql-index.js";
export type { SqlIndex, SqlIndexOptions } from "./sql-index.js";
export {
  createDatabaseStore,
  sweepAbandonedUploads,
} from "./database-store.js";
export type { DatabaseStoreOptions } from "./database-store.js";
export { SCHEMA_VERSION } from "./schema.js";
export type {
  SessionLock,
  SqlDriver,
  SqlExecutor,
  SqlTransaction,
} from "./sql-driver.js";
