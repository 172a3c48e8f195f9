import { basename, join } from "node:path";

/**
 * Jest configuration for one package of this repository: ESM TypeScript through ts-jest
 * (transpile only; `npm run typecheck` does the type checking), tests in `test/`, and
 * workspace packages resolved to their sources through the `@cloud-platform/source`
 * export condition, so tests never need a build and `dist/` is never tested.
 *
 * @param {string} dir the package directory (`import.meta.dirname`)
 * @param {import('jest').Config} [overrides]
 * @returns {import('jest').Config}
 */
export function createJestConfig(dir, overrides = {}) {
  return {
    displayName: basename(dir),
    rootDir: dir,
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    testEnvironment: "node",
    testEnvironmentOptions: {
      customExportConditions: ["@cloud-platform/source", "node", "node-addons"],
    },
    extensionsToTreatAsEsm: [".ts"],
    moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    transform: {
      "^.+\\.ts$": [
        "ts-jest",
        { useESM: true, tsconfig: join(dir, "tsconfig.json") },
      ],
    },
    testTimeout: 60_000,
    ...overrides,
  };
}
