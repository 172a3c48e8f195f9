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
  isAttachmentLocation,
  type AttachmentIndex,
} from "@cloud-platform/storage-core";
import type { Logger } from "@cloud-platform/logging-json";
import type { PlatformConfig } from "./config.js";

/** What the index database records about the platform. */
export interface PlatformSettings {
  /** `cloud_platform.kind`: set by `install(kind)`. */
  kind: PlatformKind | undefined;
  /** `attachment.location`. @default 'file' */
  location: AttachmentLocation;
  /** The index database's name: what `{db}` in a bucket/container name stands for. */
  databaseName: string | undefined;
}

/** Reads the recorded kind and location, and the database's name. */
export async function readPlatformSettings(
  index: Pick<AttachmentIndex, "getSetting"> & { databaseName?: string },
): Promise<PlatformSettings> {
  const kind = await index.getSetting(SettingName.Kind);
  const location = await index.getSetting(SettingName.Location);
  return {
    kind: kind === "exoscale" || kind === "ovh" ? kind : undefined,
    location: isAttachmentLocation(location) ? location : "file",
    databaseName: index.databaseName,
  };
}

/** The start-up checks for these settings, judging the configuration parsed once. */
export function checkSettings(
  config: Pick<PlatformConfig, "checks">,
  settings: PlatformSettings,
): CheckReport {
  return checkPlatform(config.checks, {
    kind: settings.kind,
    location: settings.location,
    dbName: settings.databaseName,
  });
}

/**
 * The settings to judge without opening the index, when opening it is already refused: a
 * shared environment (prod, integration, labs) on a local SQLite file breaks a rule whatever
 * the database records, and opening it would create the file (nothing is written to disk
 * before the checks pass). They are those of a new database: no kind, location `file`.
 * `undefined`: open the index and read its settings.
 */
export function settingsBeforeOpening(
  config: Pick<PlatformConfig, "checks" | "databaseName">,
): PlatformSettings | undefined {
  if (!localIndexRefused(config.checks)) return undefined;
  return {
    kind: undefined,
    location: "file",
    databaseName: config.databaseName,
  };
}

/**
 * Runs the start-up checks and refuses to start when they fail, logging the report. With
 * `ODOO_CLOUD_PLATFORM_UNSAFE` the checks are skipped (loudly) and malformed values fall
 * back to their defaults with a warning each.
 *
 * @throws PlatformConfigError holding the report
 */
export function refuseMisconfiguration(
  config: PlatformConfig,
  settings: PlatformSettings,
  logger: Logger,
): CheckReport {
  const report = checkSettings(config, settings);
  for (const warning of report.warnings)
    logger.warn(`${warning.variable}: ${warning.message}`, {
      rule: warning.rule,
      hint: warning.hint,
    });
  if (report.unsafe) {
    for (const error of config.errors)
      logger.warn(
        `ignored because ODOO_CLOUD_PLATFORM_UNSAFE is set: ${error.message}`,
      );
    return report;
  }
  if (!report.ok) {
    for (const problem of report.problems)
      logger.error(`${problem.variable}: ${problem.message}`, {
        rule: problem.rule,
        hint: problem.hint,
      });
    logger.error(
      "refusing to start: the configuration is wrong for this environment",
      { problems: report.problems.length },
    );
    throw new PlatformConfigError(
      PlatformConfigErrorCode.Refused,
      formatReport(report),
      report,
    );
  }
  if (config.errors.length > 0) {
    const text = config.errors.map((e) => `- ${e.message}`).join("\n");
    throw new PlatformConfigError(
      PlatformConfigErrorCode.Refused,
      `refusing to start: invalid configuration\n${text}`,
      report,
    );
  }
  return report;
}
