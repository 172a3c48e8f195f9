import type { Server, ServerResponse } from "node:http";
import type { RequestListener } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@cloud-platform/logging-json";
import type { ShutdownConfig } from "./config.js";
import type { StartUpMigration } from "./startup-migration.js";

/** Options of `platform.serve()`. */
export interface ServeOptions {
  /** Port to listen on (0: any free one). @default 3000 */
  port?: number;
  /** Address to listen on. @default all addresses */
  host?: string;
  /** Keeps serving this long after the signal, not ready. @default `CLOUD_PLATFORM_DRAIN_DELAY` (5 s) */
  drainDelayMs?: number;
  /** In-flight requests get this long after the drain delay. @default `CLOUD_PLATFORM_SHUTDOWN_TIMEOUT` (20 s) */
  shutdownTimeoutMs?: number;
  /** Signals that start the graceful shutdown; `[]` for none. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** Exit the process after a signal's shutdown: 0 after a clean drain, 1 when cut. @default true */
  exit?: boolean;
}

/** How a shutdown ended. */
export interface ShutdownResult {
  /** False when the deadline cut requests still in flight. */
  clean: boolean;
  /** Requests in flight when their connections were cut. */
  cut: number;
}

/** The serving side of a platform: listen, then stop gracefully. */
export interface Lifecycle {
  readonly stopping: boolean;
  serve(app: RequestListener, options?: ServeOptions): Promise<Server>;
  shutdown(reason?: string): Promise<ShutdownResult>;
}

/** What the lifecycle drives. */
export interface LifecycleDeps {
  logger: Logger;
  shutdown: ShutdownConfig;
  migration: StartUpMigration;
  /** Closes the platform (index, Redis, statsd, stores, logs). */
  close(): Promise<void>;
}

function listen(
  app: RequestListener,
  port: number,
  host: string | undefined,
  make: (app: RequestListener) => Server,
): Promise<Server> {
  const server = make(app);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const ready = (): void => {
      server.off("error", reject);
      resolve(server);
    };
    if (host === undefined) server.listen(port, ready);
    else server.listen(port, host, ready);
  });
}

/**
 * Serving with a graceful stop. The stop, in order: readiness turns 503 and the start-up
 * migration is told to stop (it leaves a state the next start resumes); the server keeps
 * serving for the drain delay (responses then say `Connection: close`); it stops accepting,
 * closes idle keep-alive connections, lets in-flight requests finish until the deadline,
 * cuts the rest; the migration settles; then the platform closes and logs are flushed.
 */
export function createLifecycle(
  deps: LifecycleDeps,
  make: (app: RequestListener) => Server,
): Lifecycle {
  let stopping = false;
  let stopped: Promise<ShutdownResult> | undefined;
  let server: Server | undefined;
  let timings = deps.shutdown;
  const inFlight = new Set<ServerResponse>();

  const drain = async (): Promise<ShutdownResult> => {
    deps.migration.abort();
    if (server === undefined) return { clean: true, cut: 0 };
    const listening = server;
    for (const res of inFlight)
      if (!res.headersSent) res.setHeader("Connection", "close");
    await sleep(timings.drainDelayMs);
    const closed = new Promise<void>((resolve) =>
      listening.close(() => resolve()),
    );
    listening.closeIdleConnections();
    // A request that finishes after close() leaves an idle socket behind: sweep them.
    const sweep = setInterval(() => listening.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), timings.timeoutMs);
    });
    const outcome = await Promise.race([closed.then(() => "closed"), deadline]);
    clearTimeout(timer);
    clearInterval(sweep);
    if (outcome === "closed") return { clean: true, cut: 0 };
    const cut = inFlight.size;
    deps.logger.warn("shutdown deadline reached: cutting requests in flight", {
      requests: cut,
      timeoutMs: timings.timeoutMs,
    });
    listening.closeAllConnections();
    await closed;
    return { clean: false, cut };
  };

  const shutdown = (reason = "shutdown"): Promise<ShutdownResult> => {
    if (stopped) return stopped;
    stopping = true;
    deps.logger.info(`${reason}: shutting down`, {
      drainDelayMs: timings.drainDelayMs,
      timeoutMs: timings.timeoutMs,
      inFlight: inFlight.size,
    });
    stopped = (async () => {
      const result = await drain();
      await deps.migration.settled();
      deps.logger.info("stopped serving; closing the platform", { ...result });
      await deps.close();
      return result;
    })();
    return stopped;
  };

  const onSignals = (
    signals: readonly NodeJS.Signals[],
    exit: boolean,
  ): void => {
    for (const signal of signals) {
      process.once(signal, () => {
        void shutdown(signal).then((result) => {
          if (exit) process.exit(result.clean ? 0 : 1);
        });
        // A second signal while draining: the operator insists, leave now.
        process.once(signal, () => process.exit(1));
      });
    }
  };

  return {
    get stopping() {
      return stopping;
    },
    async serve(app, options = {}) {
      if (server) throw new Error("platform.serve() was already called");
      timings = {
        drainDelayMs: options.drainDelayMs ?? deps.shutdown.drainDelayMs,
        timeoutMs: options.shutdownTimeoutMs ?? deps.shutdown.timeoutMs,
      };
      server = await listen(app, options.port ?? 3000, options.host, make);
      server.prependListener("request", (_req, res: ServerResponse) => {
        inFlight.add(res);
        res.once("close", () => inFlight.delete(res));
        // Keep-alive clients of a stopping process reconnect elsewhere.
        if (stopping) res.setHeader("Connection", "close");
      });
      onSignals(options.signals ?? ["SIGTERM", "SIGINT"], options.exit ?? true);
      // After listen: the process answers (live, not ready) while it migrates.
      void deps.migration.start();
      return server;
    },
    shutdown,
  };
}
