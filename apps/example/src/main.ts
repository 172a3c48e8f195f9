import { installProcessHandlers } from "@cloud-platform/logging-json";
import {
  createPlatform,
  loadPlatformConfig,
  readAppVersion,
  type Platform,
} from "@cloud-platform/platform";
import {
  EX_CONFIG,
  isPlatformConfigError,
} from "@cloud-platform/platform-checks";
import { createApp } from "./app.js";

const config = loadPlatformConfig(process.env, {
  appVersion: readAppVersion(new URL("../package.json", import.meta.url)),
  serviceName: "cloud-platform-example",
});
let platform: Platform;
try {
  platform = await createPlatform(config);
} catch (error) {
  // A refusal is the operator's to fix: the report, not a stack trace, and EX_CONFIG.
  if (!isPlatformConfigError(error)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(EX_CONFIG);
}
// Signals belong to platform.serve() (graceful shutdown); these handlers log fatal errors.
installProcessHandlers(platform.logger, { signals: [] });
const port = Number(process.env.PORT ?? 3000);
await platform.serve(createApp(platform), { port });
platform.logger.info(`example app listening on http://localhost:${port}`, {
  port,
});
