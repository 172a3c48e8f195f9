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
installProcessHandlers(platform.logger, { signals: [] });
const app = createApp(platform);
const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, () => {
  platform.logger.info(`example app listening on http://localhost:${port}`, {
    port,
  });
});

let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  platform.logger.info(`${signal}: shutting down`);
  server.close(() => {
    void platform.close().then(() => process.exit(0));
  });
  // Keep-alive connections would hold close() open: end idle ones now, the rest soon.
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 10_000).unref();
};
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
