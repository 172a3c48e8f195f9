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

/**
 * ECS names that are objects in Elasticsearch's mapping (the lines themselves write
 * `service.name`, `event.dataset`, `url.path`…). A field of such a name whose value is not
 * an object (`{ url: "/x" }`, `{ event: "login" }`, `{ error: "timeout" }`) would clash with
 * that mapping and get the whole document rejected, so it is written under the ECS leaf
 * meant for it, or as `field.<name>`.
 */
const OBJECT_ROOTS: ReadonlyMap<string, string> = new Map([
  ["error", "error.message"],
  ["url", "url.original"],
  ["user_agent", "user_agent.original"],
  ["event", "event.action"],
  ["user", "user.name"],
  ["host", "host.name"],
  ["service", "field.service"],
  ["log", "field.log"],
  ["process", "field.process"],
  ["ecs", "field.ecs"],
  ["http", "field.http"],
]);

/**
 * The name a field is written under: `field.<name>` for a name the line writes itself,
 * the ECS leaf for a non-object value under an ECS object name, else the name itself.
 */
export function fieldName(key: string, objectValue: boolean): string {
  if (RESERVED_FIELDS.has(key)) return `field.${key}`;
  return objectValue ? key : (OBJECT_ROOTS.get(key) ?? key);
}

/** The ECS version whose field names the lines follow (as `@elastic/ecs-winston-format`). */
export const ECS_VERSION = "8.10.0";
