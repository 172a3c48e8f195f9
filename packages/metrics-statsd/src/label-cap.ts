import { MetricsError, MetricsErrorCode } from './errors.js';

/** The labels of the HTTP duration histogram. */
export interface HttpLabels {
  route: string;
  method: string;
  status_class: string;
}

/** The value that replaces `route` and `method` once the cap is reached. */
export const OVERFLOW = '__overflow__';

/** `200` → `2xx`. */
export function statusClass(code: number): string {
  return `${Math.floor(code / 100)}xx`;
}

/**
 * Hands out the label object for a (route, method, status) triple, and remembers each one
 * seen. Beyond `max` distinct sets, new ones collapse into `route` = `method` =
 * `__overflow__` (status class kept), and `warn` is called once: Prometheus' memory grows
 * with every series, and a bug that puts raw values into route names must not take it down.
 */
export function createLabelCap(max: number, warn: (warning: MetricsError) => void): (route: string, method: string, code: number) => HttpLabels {
  const seen = new Map<string, HttpLabels>();
  const overflow = new Map<string, HttpLabels>();
  let warned = false;
  return (route, method, code) => {
    const status = statusClass(code);
    const key = `${method} ${status} ${route}`;
    const known = seen.get(key);
    if (known) return known;
    if (seen.size < max) {
      const labels = { route, method, status_class: status };
      seen.set(key, labels);
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
