import { MetricsError, MetricsErrorCode } from "./errors.js";

/** The labels of the HTTP duration histogram. */
export interface HttpLabels {
  route: string;
  method: string;
  status_class: string;
}

/** The value that replaces `route` and `method` once the cap is reached. */
export const OVERFLOW = "__overflow__";

const CLASSES = Array.from({ length: 10 }, (_, i) => `${i}xx`);

/** `200` → `2xx` (without building a string per request). */
export function statusClass(code: number): string {
  return CLASSES[Math.floor(code / 100)] ?? `${Math.floor(code / 100)}xx`;
}

/**
 * Hands out the label object for a (route, method, status) triple, and remembers each one
 * seen. Beyond `max` distinct sets, new ones collapse into `route` = `method` =
 * `__overflow__` (status class kept), and `warn` is called once: Prometheus' memory grows
 * with every series, and a bug that puts raw values into route names must not take it down.
 */
export function createLabelCap(
  max: number,
  warn: (warning: MetricsError) => void,
): (route: string, method: string, code: number) => HttpLabels {
  // Keyed by status class, then method, then route: no key string to build per request.
  const seen = new Map<string, Map<string, Map<string, HttpLabels>>>();
  const overflow = new Map<string, HttpLabels>();
  let size = 0;
  let warned = false;
  return (route, method, code) => {
    const status = statusClass(code);
    let byMethod = seen.get(status);
    if (!byMethod)
      seen.set(status, (byMethod = new Map<string, Map<string, HttpLabels>>()));
    let byRoute = byMethod.get(method);
    if (!byRoute)
      byMethod.set(method, (byRoute = new Map<string, HttpLabels>()));
    const known = byRoute.get(route);
    if (known) return known;
    if (size < max) {
      const labels = { route, method, status_class: status };
      byRoute.set(route, labels);
      size += 1;
      return labels;
    }
    if (!warned) {
      warned = true;
      warn(
        new MetricsError(
          MetricsErrorCode.LabelOverflow,
          `prometheus: more than ${max} distinct HTTP label sets; new ones are recorded as route="${OVERFLOW}"`,
        ),
      );
    }
    let labels = overflow.get(status);
    if (!labels) {
      labels = { route: OVERFLOW, method: OVERFLOW, status_class: status };
      overflow.set(status, labels);
    }
    return labels;
  };
}
