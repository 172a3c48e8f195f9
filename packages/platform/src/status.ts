import type { Request, Response } from "express";

/** One dependency the deep status pings. */
export interface StatusProbe {
  name: string;
  ping(): Promise<unknown>;
}

const TIMEOUT_MS = 3000;

/**
 * Rejects when `promise` has not settled within `ms`.
 *
 * @throws Error `no answer within <ms> ms`
 */
export function withTimeout(
  promise: Promise<unknown>,
  ms: number,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The failures of settled probes, by name. */
export function failuresOf(
  probes: readonly StatusProbe[],
  results: readonly PromiseSettledResult<unknown>[],
): { name: string; error: string }[] {
  return results.flatMap((r, i) =>
    r.status === "rejected"
      ? [
          {
            name: probes[i]?.name ?? "unknown",
            error:
              r.reason instanceof Error ? r.reason.message : String(r.reason),
          },
        ]
      : [],
  );
}

/**
 * `GET /monitoring/status`: `200 {"status": 1}` while the process serves. With `?deep=1` it
 * also pings every probe (Redis, the index database, the object store) at once and answers
 * `503 {"status": 0, "failing": [{ name, error }]}` naming the parts that fail; the deep
 * answer also carries `details()` (the platform's: the start-up migration's progress).
 */
export function statusHandler(
  probes: readonly StatusProbe[],
  details: () => Record<string, unknown> = () => ({}),
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    const deep = req.query.deep === "1" || req.query.deep === "true";
    if (!deep) {
      res.json({ status: 1 });
      return;
    }
    const results = await Promise.allSettled(
      probes.map((p) => withTimeout(p.ping(), TIMEOUT_MS)),
    );
    const failing = failuresOf(probes, results);
    const checked = probes.map((p) => p.name);
    if (failing.length > 0)
      res.status(503).json({ status: 0, checked, failing, ...details() });
    else res.json({ status: 1, checked, ...details() });
  };
}
