import type { PlatformValues } from "../platform-values.js";
import type {
  AttachmentLocation,
  Environment,
  PlatformKind,
} from "../report.js";
import type { PlatformRule } from "../rules.js";

/** Records one finding of a rule. */
export type RecordFn = (
  rule: PlatformRule,
  variable: string,
  message: string,
  hint: string,
) => void;

/** What every rule sees, and where it records what it found. */
export interface RuleContext {
  /** The parsed configuration the rules judge (never the raw environment). */
  readonly values: PlatformValues;
  readonly environment: Environment;
  /** `RUNNING_ENV` as given (`''` when unset). */
  readonly runningEnv: string;
  /** The kind whose object store the platform uses (`undefined`: none known). */
  readonly kind: PlatformKind | undefined;
  /** The kind recorded in the settings (`undefined`: none recorded). */
  readonly recordedKind: PlatformKind | undefined;
  readonly location: AttachmentLocation;
  readonly appName: string;
  /** The index database's name, for `{db}` (`undefined`: not known). */
  readonly dbName: string | undefined;
  /**
   * Quotes a non-secret value for a message: every known secret and any URL's credentials
   * redacted, then cut (cutting first would leave a secret's prefix that no longer matches).
   */
  readonly show: (value: string) => string;
  /** Records a broken rule (refuses the start). */
  readonly problem: RecordFn;
  /** Records a doubtful setting (does not refuse the start). */
  readonly warning: RecordFn;
}

/** Environments that must run on the object store of their kind. */
export const OBJECT_STORE_ENVIRONMENTS: ReadonlySet<Environment> = new Set([
  "prod",
  "integration",
]);

/** Environments that need a write bucket/container when the object store is in use. */
export const BUCKET_ENVIRONMENTS: ReadonlySet<Environment> = new Set([
  "prod",
  "integration",
  "labs",
]);

/** Environments that must keep sessions in Redis. */
export const REDIS_ENVIRONMENTS: ReadonlySet<Environment> = new Set([
  "prod",
  "integration",
  "labs",
  "test",
]);

/** Environments whose attachment index must be in a shared database (PostgreSQL). */
export const SHARED_INDEX_ENVIRONMENTS: ReadonlySet<Environment> = new Set([
  "prod",
  "integration",
  "labs",
]);
