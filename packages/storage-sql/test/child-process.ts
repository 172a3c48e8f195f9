import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { OpenIndexOptions } from "../src/index.js";

/** Arguments of the migration child process (see fixtures/migrate-child.ts). */
export interface ChildArgs {
  target: string;
  options: OpenIndexOptions;
  dir: string;
  batchSize: number;
  concurrency: number;
  waitForGo: boolean;
}

/** A JSON line the child printed. */
export type ChildEvent =
  | { event: "ready" }
  | { event: "moved"; id: string; done: number }
  | ({ event: "report" } & Record<string, unknown>);

/** A running migration child. */
export interface MigrationChild {
  process: ChildProcess;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  events: ChildEvent[];
  /** Resolves once an event matches. */
  waitFor(match: (event: ChildEvent) => boolean): Promise<ChildEvent>;
  stderr(): string;
}

const fixture = fileURLToPath(
  new URL("./fixtures/migrate-child.ts", import.meta.url),
);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** Starts `node --conditions=@cloud-platform/source --import tsx fixtures/migrate-child.ts`. */
export function startChild(args: ChildArgs): MigrationChild {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@cloud-platform/source",
      "--import",
      "tsx",
      fixture,
      JSON.stringify(args),
    ],
    {
      cwd: packageDir,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    },
  );
  const events: ChildEvent[] = [];
  const waiters: Array<{
    match: (e: ChildEvent) => boolean;
    resolve: (e: ChildEvent) => void;
  }> = [];
  let errors = "";
  child.stderr.on("data", (d: Buffer) => (errors += d.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    let event: ChildEvent;
    try {
      event = JSON.parse(line) as ChildEvent;
    } catch {
      return;
    }
    events.push(event);
    for (const w of [...waiters]) {
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    process: child,
    exited,
    events,
    waitFor: (match) => {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then(() =>
          setTimeout(
            () =>
              reject(
                new Error(
                  `child exited before the awaited event; stderr: ${errors.slice(-2000)}`,
                ),
              ),
            50,
          ),
        );
      });
    },
    stderr: () => errors,
  };
}
