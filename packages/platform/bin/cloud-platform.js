#!/usr/bin/env node
// The `cloud-platform` command. This file is in the source tree (npm links a bin only when
// its file exists at install time, and a build must not drop its exec bit), and loads the
// built CLI. In a checkout that was never built, it runs the sources through tsx instead.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/cli.js", import.meta.url);
const source = new URL("../src/cli.ts", import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else if (existsSync(source) && resolveTsx() !== undefined) {
  runSources(resolveTsx());
} else {
  process.stderr.write(
    "cloud-platform: dist/cli.js is missing; run `npm run build` first.\n",
  );
  process.exit(1);
}

// From this file, not from the working directory, so the command works from anywhere.
function resolveTsx() {
  try {
    return import.meta.resolve("tsx");
  } catch {
    return undefined;
  }
}

// A child process, because the workspace sources are only found under a condition that
// must be set when Node starts. The child's exit code becomes ours.
function runSources(tsx) {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@cloud-platform/source",
      "--import",
      tsx,
      fileURLToPath(source),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  // Ctrl-C reaches the child from the terminal by itself; SIGTERM is sent to us alone.
  process.on("SIGINT", () => undefined);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => {
    process.exitCode =
      code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
  });
}
