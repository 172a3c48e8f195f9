import { PlatformRule } from "../rules.js";
import { escapeRegExp } from "../values.js";
import { checkCredentials } from "./credentials.js";
import {
  BUCKET_ENVIRONMENTS,
  OBJECT_STORE_ENVIRONMENTS,
  type RuleContext,
} from "./context.js";
import {
  S3_STORE,
  SWIFT_STORE,
  storeOfKind,
  storeOfLocation,
  type StoreSpec,
} from "./stores.js";

const DB_PLACEHOLDER = "{db}";

/**
 * The store whose variables must be complete: the one in use, or on prod/integration the
 * one of the kind (so a prod still on `file` learns every missing variable at once).
 */
function checkedStore(ctx: RuleContext): StoreSpec | undefined {
  const kindStore = storeOfKind(ctx.kind);
  const locationStore = storeOfLocation(ctx.location);
  if (kindStore === undefined) return locationStore;
  const required = OBJECT_STORE_ENVIRONMENTS.has(ctx.environment);
  return locationStore !== undefined || required ? kindStore : undefined;
}

function checkLocation(ctx: RuleContext): void {
  const kindStore = storeOfKind(ctx.kind);
  const locationStore = storeOfLocation(ctx.location);
  if (
    kindStore !== undefined &&
    locationStore !== undefined &&
    kindStore !== locationStore
  ) {
    ctx.problem(
      PlatformRule.StorageLocationKind,
      "attachment.location",
      `attachment.location is "${ctx.location}" but this platform's kind is "${kindStore.kind}".`,
      `Set attachment.location to "${kindStore.location}" (\`cloud-platform install ${kindStore.kind}\` does it).`,
    );
  }
  if (
    OBJECT_STORE_ENVIRONMENTS.has(ctx.environment) &&
    locationStore === undefined
  ) {
    const target = kindStore?.location ?? "s3 or swift";
    ctx.problem(
      PlatformRule.StorageObjectStoreRequired,
      "attachment.location",
      `${ctx.environment} stores new files in "${ctx.location}", not in the object store: other hosts would never see them.`,
      `Set attachment.location to ${target} (\`cloud-platform install ${kindStore?.kind ?? "<kind>"}\` does it and migrates the files).`,
    );
  }
  if (
    ctx.environment === "test" &&
    locationStore === undefined &&
    ctx.location !== "db"
  ) {
    ctx.problem(
      PlatformRule.StorageTestDatabaseRequired,
      "attachment.location",
      `test stores new files in "${ctx.location}": a test instance off the object store must keep them in the database.`,
      'Set attachment.location to "db" (or to the object store of the kind).',
    );
  }
}

function checkStoreVariables(ctx: RuleContext, store: StoreSpec): void {
  checkCredentials(ctx, store);
  const { name } = store.values(ctx.values);
  if (name === undefined && BUCKET_ENVIRONMENTS.has(ctx.environment)) {
    ctx.problem(
      PlatformRule.StorageBucketRequired,
      store.nameVariable,
      `${store.nameVariable} is not set: ${ctx.environment} needs its own ${store.noun} for writes.`,
      `Set ${store.nameVariable} to <client>-${ctx.appName}-${ctx.environment === "prod" ? "prod" : "<env>"}.`,
    );
  }
  if (name !== undefined && ctx.environment === "prod")
    checkProdShape(ctx, store, name);
}

function prodShape(appName: string): RegExp {
  return new RegExp(`^[a-z0-9-]+-${escapeRegExp(appName)}-prod$`);
}

/** The name the store will really use: `{db}` replaced by the index database's name. */
function resolvedName(ctx: RuleContext, name: string): string {
  return name.split(DB_PLACEHOLDER).join(ctx.dbName ?? "db");
}

/** `="{db}"`, or `="{db}" (resolves to "acme-odoo-prod")` when the placeholder resolved. */
function described(ctx: RuleContext, name: string): string {
  const resolved = resolvedName(ctx, name);
  return resolved === name || ctx.dbName === undefined
    ? ctx.show(name)
    : `${ctx.show(name)} (resolves to ${ctx.show(resolved)})`;
}

function checkProdShape(
  ctx: RuleContext,
  store: StoreSpec,
  name: string,
): void {
  if (store.values(ctx.values).unstructured) return;
  // Without the index database's name, `{db}` cannot prove the shape.
  const unresolved = name.includes(DB_PLACEHOLDER) && ctx.dbName === undefined;
  if (!unresolved && prodShape(ctx.appName).test(resolvedName(ctx, name)))
    return;
  ctx.problem(
    PlatformRule.StorageProdBucketShape,
    store.nameVariable,
    unresolved
      ? `${store.nameVariable}=${ctx.show(name)} uses {db}: prod's ${store.noun} name must be checkable at start-up.`
      : `${store.nameVariable}=${described(ctx, name)} is not a prod ${store.noun} name (<client>-${ctx.appName}-prod).`,
    `Name prod's ${store.noun} <client>-${ctx.appName}-prod (lower-case letters, digits, dashes), or set ${store.unstructuredVariable}=1 for a legacy name.`,
  );
}

/**
 * Every non-prod environment, whatever its location, must not name a prod bucket/container:
 * reads follow refs, so a copy of prod never needs prod's name to read prod's files. The
 * name is judged as the store will use it, `{db}` replaced by the index database's name
 * (an integration copy of `acme-odoo-prod` resolves `{db}` to prod's bucket), and
 * `*_UNSTRUCTURED` does not lift this guard.
 */
function checkNotProdName(ctx: RuleContext, store: StoreSpec): void {
  const { name } = store.values(ctx.values);
  if (name === undefined || ctx.environment === "prod") return;
  if (!prodShape(ctx.appName).test(resolvedName(ctx, name))) return;
  ctx.problem(
    PlatformRule.StorageNotProdBucket,
    store.nameVariable,
    `${store.nameVariable}=${described(ctx, name)} is a prod ${store.noun} name, on ${ctx.environment}: this instance would write into prod's ${store.noun}.`,
    `Give ${ctx.environment} its own ${store.noun} (e.g. <client>-${ctx.appName}-${ctx.environment}), or unset ${store.nameVariable} to read prod's files read-only.`,
  );
}

/** The object storage rules of DESIGN.md "Start-up checks". */
export function checkStorage(ctx: RuleContext): void {
  checkLocation(ctx);
  const store = checkedStore(ctx);
  if (store !== undefined) checkStoreVariables(ctx, store);
  checkNotProdName(ctx, S3_STORE);
  checkNotProdName(ctx, SWIFT_STORE);
  if (ctx.values.swift.tenantName) {
    ctx.warning(
      PlatformRule.StorageDeprecatedTenantName,
      "SWIFT_TENANT_NAME",
      "SWIFT_TENANT_NAME is a deprecated alias of SWIFT_PROJECT_NAME.",
      "Rename SWIFT_TENANT_NAME to SWIFT_PROJECT_NAME.",
    );
  }
}
