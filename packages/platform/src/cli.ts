#!/usr/bin/env node
import { runCli } from "./cli/run-cli.js";

const controller = new AbortController();
// First Ctrl-C / SIGTERM: stop after the files in flight (nothing half-moved); second: now.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${signal}: stopping after the files in flight…\n`);
    controller.abort();
  });
}

const out = {
  write: (text: string) => process.stdout.write(text),
  isTTY: process.stdout.isTTY,
};
const err = {
  write: (text: string) => process.stderr.write(text),
  isTTY: process.stderr.isTTY,
};
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    out,
    err,
    signal: controller.signal,
  });
} catch (error) {
  process.stderr.write(
    `cloud-platform: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
