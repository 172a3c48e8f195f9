import { readFileSync } from "node:fs";

/**
 * The `version` of an application's package.json (the default of `APP_VERSION`).
 *
 * @param packageJson a path or file URL of the package.json
 * @throws Error when the file cannot be read or has no version
 */
export function readAppVersion(packageJson: string | URL): string {
  const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as {
    version?: unknown;
  };
  if (typeof version !== "string" || version === "")
    throw new Error(`no version in ${String(packageJson)}`);
  return version;
}
