import type { Request, Response } from "express";
import { failuresOf, withTimeout, type StatusProbe } from "./status.js";

/** Why the process is not ready, apart from its dependencies (undefined: no reason). */
export interface ReadinessGate {
  name: string;
  /** The reason it blocks readiness now, or undefined. */
  blocking(): string | undefined;
}

/** Options of {@link readyHandler}. */
export interface ReadyOptions {
  /** How long each dependency may take to answer. @default 1000 */
  timeoutMs?: number;
}

/**
 * `GET /monitoring/live`: `200 {"status": 1}` whenever the event loop runs; no I/O, so a
 * slow database or a running migration never gets the process killed.
 */
export function liveHandler(): (req: Request, res: Response) => void {
  return (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ status: 1 });
  };
}

/** What readiness found: the parts that are not ready, and the dependencies asked. */
export interface Readiness {
  failing: { name: string; error: string }[];
  checked: string[];
  /** True when a shutdown gate answered before any dependency was asked. */
  stopping: boolean;
}

/**
 * Judges readiness: the gates first (a stopping process answers at once), then every
 * dependency within `timeoutMs`. What `/monitoring/ready` and the `cloud_platform_ready`
 * gauge both say.
 */
export async function readiness(
  gates: readonly ReadinessGate[],
  probes: readonly StatusProbe[],
  timeoutMs = 1000,
): Promise<Readiness> {
  const blocked = gates.flatMap((gate) => {
    const reason = gate.blocking();
    return reason === undefined ? [] : [{ name: gate.name, error: reason }];
  });
  if (blocked.some((b) => b.name === "shutdown"))
    return { failing: blocked, checked: [], stopping: true };
  const results = await Promise.allSettled(
    probes.map((p) => withTimeout(p.ping(), timeoutMs)),
  );
  return {
    failing: [...blocked, ...failuresOf(probes, results)],
    checked: probes.map((p) => p.name),
    stopping: false,
  };
}

/**
 * `GET /monitoring/ready`: `200 {"status": 1, "checked": [...]}` when no gate blocks (the
 * process is not shutting down, not running the start-up migration) and every dependency
 * answers within `timeoutMs`; else `503 {"status": 0, "failing": [{ name, error }]}` naming
 * each part that is not ready. Gates are judged first: a stopping process answers at once.
 */
export function readyHandler(
  gates: readonly ReadinessGate[],
  probes: readonly StatusProbe[],
  options: ReadyOptions = {},
): (req: Request, res: Response) => Promise<void> {
  const timeoutMs = options.timeoutMs ?? 1000;
  return async (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    const { failing, checked, stopping } = await readiness(
      gates,
      probes,
      timeoutMs,
    );
    if (stopping) res.status(503).json({ status: 0, failing });
    else if (failing.length > 0)
      res.status(503).json({ status: 0, checked, failing });
    else res.json({ status: 1, checked });
  };
}
