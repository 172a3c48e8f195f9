/** Who writes the logs: the `service.*` fields of every line. */
export interface ServiceInfo {
  /** `service.name` (required), e.g. `example`. */
  name: string;
  /** `service.version`, e.g. the application's package.json version. */
  version?: string | undefined;
  /** `service.environment`, e.g. `prod` (see `RUNNING_ENV`). */
  environment?: string | undefined;
}

/**
 * Names the line itself writes: a field of the same name is written as `field.<name>`,
 * so it can neither forge nor duplicate them.
 */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  "@timestamp",
  "log.level",
  "log.logger",
  "message",
  "process.pid",
  "service.name",
  "service.version",
  "service.environment",
  "event.dataset",
  "ecs.version",
]);

/** The ECS version whose field names the lines follow (as `@elastic/ecs-winston-format`). */
export const ECS_VERSION = "8.10.0";
