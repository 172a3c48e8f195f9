import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = import.meta.dirname;

/** One jest run over every workspace that has tests, so the suite ends with one summary. */
export default {
  // Per-project configs cannot set it: at the root, jest reads the timeout from here.
  testTimeout: 60_000,
  projects: ["packages", "apps", "tooling"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(root, group, name, "jest.config.js"))
      .filter((file) => existsSync(file)),
  ),
};
