/** The platform providers: each brings its own object store. */
export type PlatformKind = "exoscale" | "ovh";

/** Where new attachment bytes go (the `attachment.location` setting). */
export type AttachmentLocation = "file" | "db" | "s3" | "swift";

/**
 * The running environment, from `RUNNING_ENV` (any `labs*` value is `labs`); `unknown` when
 * `RUNNING_ENV` names none of them (itself a problem).
 */
export type Environment =
  "prod" | "integration" | "test" | "dev" | "labs" | "unknown";

/** One broken (or, in `warnings`, doubtful) rule. Never holds a secret value. */
export interface Problem {
  /**
   * The environment variable concerned (`AWS_BUCKETNAME`), or the setting
   * (`attachment.location`) when the fix is in the settings.
   */
  variable: string;
  /** Stable id of the rule, e.g. `storage.prod-bucket-shape`; match on this. */
  rule: string;
  /** The running environment the rule was checked for. */
  environment: Environment;
  /** What is wrong, for a human. */
  message: string;
  /** How to fix it. */
  hint: string;
}

/** Everything {@link checkPlatform} found, all at once. */
export interface CheckReport {
  /** True when there is no problem (warnings do not count): the platform may start. */
  ok: boolean;
  /** The running environment the rules were checked for. */
  environment: Environment;
  /** `RUNNING_ENV` as given (`''` when unset), e.g. `labs-finance`. */
  runningEnv: string;
  /** True when `ODOO_CLOUD_PLATFORM_UNSAFE` skipped every check. */
  unsafe: boolean;
  /** Broken rules: any of them refuses the start. */
  problems: Problem[];
  /** Doubtful settings that do not refuse the start (and the loud unsafe notice). */
  warnings: Problem[];
}

/** The environment variables, as `process.env` gives them. */
export type PlatformEnv = Readonly<Record<string, string | undefined>>;
