import {
  PlatformConfigError,
  PlatformConfigErrorCode,
  checkPlatform,
  formatReport,
  type AttachmentLocation,
  type CheckReport,
  type PlatformKind,
} from "@cloud-platform/platform-checks";
import {
  SettingName,
  type MigrateOptions,
  type MigrationReport,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import {
  createSwiftStore,
  swiftOptionsFromEnv,
} from "@cloud-platform/storage-swift";
import { loadPlatformConfig, type Env, type PlatformConfig } from "./config.js";
import type { ObjectStorage } from "./object-storage.js";
import { openPlatformIndex, setUpAttachments } from "./storage.js";

/** Options of {@link install}. */
export interface InstallOptions {
  /** The environment to read (pass `process.env`). Required. */
  env: Env;
  /** Move existing files to the new location now. `false` records only: the next upgrade start-up or `cloud-platform migrate` moves them. @default true */
  migrate?: boolean;
  /** Progress of the migration. */
  onProgress?: MigrateOptions["onProgress"];
  /** Told about deprecated variables and other warnings. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** What {@link install} did. */
export interface InstallResult {
  kind: PlatformKind;
  location: AttachmentLocation;
  /** The checks run against the new kind and location. */
  report: CheckReport;
  /** The migration, unless `migrate: false`. */
  migration: MigrationReport | undefined;
}

/** Parts in flight per file while migrating (several files move at once: bounded memory). */
export const MIGRATION_PARTS_IN_FLIGHT = 1;

const OBJECT_LOCATION: Record<PlatformKind, AttachmentLocation> = {
  exoscale: "s3",
  ovh: "swift",
};

/** The location `install` records: the object store on prod, integration and labs; the database elsewhere. */
export function installLocation(
  config: Pick<PlatformConfig, "environment">,
  kind: PlatformKind,
): AttachmentLocation {
  return ["prod", "integration", "labs"].includes(config.environment)
    ? OBJECT_LOCATION[kind]
    : "db";
}

/**
 * Installs the platform kind in the index database: checks the environment against it
 * (nothing is recorded when they fail), records `cloud_platform.kind` and
 * `attachment.location`, creates our own write bucket/container when missing, then moves
 * existing files to the new location (unless `migrate: false`).
 *
 * @throws PlatformConfigError with the report when the environment is wrong for this kind
 */
export async function install(
  kind: PlatformKind,
  options: InstallOptions,
): Promise<InstallResult> {
  // Callers from JavaScript or a command line may pass anything.
  if (!(["exoscale", "ovh"] as unknown[]).includes(kind)) {
    throw new PlatformConfigError(
      PlatformConfigErrorCode.InvalidOption,
      `unknown platform kind ${JSON.stringify(kind)}: use "exoscale" or "ovh"`,
    );
  }
  const config = loadPlatformConfig(options.env);
  const location = installLocation(config, kind);
  const index = await openPlatformIndex(config);
  try {
    // Judged with the database's name for `{db}`; nothing is recorded when refused.
    const report = checkPlatform(options.env, {
      kind,
      recordedKind: kind,
      location,
      dbName: index.databaseName,
    });
    if (!report.ok && !report.unsafe)
      throw new PlatformConfigError(
        PlatformConfigErrorCode.Refused,
        formatReport(report),
        report,
      );
    await index.setSetting(SettingName.Kind, kind);
    await index.setSetting(SettingName.Location, location);
    const setup = setUpAttachments(config, index, kind, {
      createContainer: true,
      partsInFlight: MIGRATION_PARTS_IN_FLIGHT,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    try {
      await ensureWriteContainer(
        setup.objectStorage,
        options.env,
        index.databaseName,
      );
      if (options.migrate === false)
        return { kind, location, report, migration: undefined };
      const migration = await setup.attachments.migrate({
        holder: "install",
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { kind, location, report, migration };
    } finally {
      await setup.objectStorage?.close();
    }
  } finally {
    await index.close();
  }
}

/**
 * Creates our write bucket/container now (stores create it on their first write only, and
 * the application's stores never do): a marker written and removed. On Swift, the same for
 * `<container>_segments`, where large objects (over 100 MiB, or streams of unknown size over
 * 8 MiB) keep their segments: without it every large upload fails with "not found".
 */
async function ensureWriteContainer(
  storage: ObjectStorage | undefined,
  env: Env,
  dbName: string,
): Promise<void> {
  const write = storage?.stores.write;
  if (!write) return;
  await putMarker(write);
  if (storage.stores.kind !== "swift" || write.container === undefined) return;
  const segments = createSwiftStore({
    ...swiftOptionsFromEnv(env, { dbName }),
    container: `${write.container}_segments`,
    createContainer: true,
  });
  try {
    await putMarker(segments);
  } finally {
    await segments.close?.();
  }
}

async function putMarker(store: ObjectStore): Promise<void> {
  await store.put(INSTALL_MARKER, "cloud-platform install");
  await store.delete(INSTALL_MARKER);
}

const INSTALL_MARKER = ".cloud-platform/install-marker";

/** `install('exoscale', options)`: S3 object storage. */
export function installExoscale(
  options: InstallOptions,
): Promise<InstallResult> {
  return install("exoscale", options);
}

/** `install('ovh', options)`: OpenStack Swift object storage. */
export function installOvh(options: InstallOptions): Promise<InstallResult> {
  return install("ovh", options);
}
