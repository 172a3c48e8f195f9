import {
  PlatformConfigError,
  PlatformConfigErrorCode,
  checkPlatform,
  formatReport,
  localIndexRefused,
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
  configureSwiftContainer,
  createSwiftStore,
} from "@cloud-platform/storage-swift";
import { configureS3Bucket } from "@cloud-platform/storage-s3";
import {
  corsOriginsFromEnv,
  loadPlatformConfig,
  type Env,
  type PlatformConfig,
} from "./config.js";
import type { ObjectStorage } from "./object-storage.js";
import { mappedOptions } from "./object-storage-config.js";
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
  /** What browsers may now do with the write bucket/container (direct uploads and downloads). */
  browser: BrowserAccess;
}

/** What {@link install} set up for browsers on the write bucket/container. */
export interface BrowserAccess {
  /** Swift: `created` (a random key now on the container) or `kept`; S3 signs with its credentials. */
  tempUrlKey: "created" | "kept" | "not-needed";
  /**
   * CORS for `CLOUD_PLATFORM_CORS_ORIGINS`: `set`, `removed` (the variable is empty),
   * `unchanged` (unset), or `unsupported` (the S3 server has no bucket CORS: set it with the
   * provider's tools; a warning says so).
   */
  cors: "set" | "removed" | "unchanged" | "unsupported";
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
 * The checks for the kind about to be recorded; throws when they refuse.
 *
 * @throws PlatformConfigError with the report
 */
function refuseInstall(
  config: PlatformConfig,
  kind: PlatformKind,
  location: AttachmentLocation,
  dbName: string,
): CheckReport {
  const report = checkPlatform(config.checks, {
    kind,
    recordedKind: kind,
    location,
    dbName,
  });
  if (!report.ok && !report.unsafe)
    throw new PlatformConfigError(
      PlatformConfigErrorCode.Refused,
      formatReport(report),
      report,
    );
  return report;
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
  // A shared environment on a local SQLite file is refused before the file is created.
  if (localIndexRefused(config.checks))
    refuseInstall(config, kind, location, config.databaseName);
  const index = await openPlatformIndex(config);
  try {
    // Judged with the database's name for `{db}`; nothing is recorded when refused.
    const report = refuseInstall(config, kind, location, index.databaseName);
    await index.setSetting(SettingName.Kind, kind);
    await index.setSetting(SettingName.Location, location);
    const setup = setUpAttachments(config, index, kind, {
      createContainer: true,
      partsInFlight: MIGRATION_PARTS_IN_FLIGHT,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    try {
      await ensureWriteContainer(setup.objectStorage, config);
      const browser = await configureBrowserAccess(
        setup.objectStorage,
        config,
        options.onWarning,
      );
      if (options.migrate === false)
        return { kind, location, report, migration: undefined, browser };
      const migration = await setup.attachments.migrate({
        holder: "install",
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { kind, location, report, migration, browser };
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
  config: PlatformConfig,
): Promise<void> {
  const write = storage?.stores.write;
  if (!write) return;
  await putMarker(write);
  if (storage.stores.kind !== "swift" || write.container === undefined) return;
  const segments = createSwiftStore({
    ...mappedOptions(config.objectStorage.swift),
    container: `${write.container}_segments`,
    createContainer: true,
  });
  try {
    await putMarker(segments);
  } finally {
    await segments.close?.();
  }
}

export { corsOriginsFromEnv };

/**
 * What a browser needs to reach the write bucket/container directly: on Swift a TempURL key
 * in the container's metadata (the application's stores read it from there) and, on both,
 * the CORS origins the operator named.
 */
async function configureBrowserAccess(
  storage: ObjectStorage | undefined,
  config: PlatformConfig,
  onWarning: ((message: string) => void) | undefined,
): Promise<BrowserAccess> {
  const write = storage?.stores.write;
  const { corsOrigins } = config;
  if (!storage || !write || write.container === undefined)
    return { tempUrlKey: "not-needed", cors: "unchanged" };
  if (storage.stores.kind === "swift") {
    const done = await configureSwiftContainer(
      {
        ...mappedOptions(config.objectStorage.swift),
        container: write.container,
      },
      { tempUrlKey: true, ...(corsOrigins ? { corsOrigins } : {}) },
    );
    return {
      tempUrlKey: done.tempUrlKey === "created" ? "created" : "kept",
      cors:
        corsOrigins === undefined
          ? "unchanged"
          : corsOrigins.length === 0
            ? "removed"
            : "set",
    };
  }
  if (corsOrigins === undefined)
    return { tempUrlKey: "not-needed", cors: "unchanged" };
  const done = await configureS3Bucket(
    { ...mappedOptions(config.objectStorage.s3), bucket: write.container },
    { corsOrigins },
  );
  if (done.cors === "unsupported")
    onWarning?.(
      `the S3 server does not implement bucket CORS: browsers from ${corsOrigins.join(", ")} cannot upload straight to ${write.container} until CORS is set with the provider's tools (uploads still go through the app)`,
    );
  return { tempUrlKey: "not-needed", cors: done.cors };
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
