import type { MetricsConfigProblem } from "./errors.js";

/**
 * One statsd name segment: the characters the statsd daemon keeps as they are (it rewrites
 * `/` and whitespace and drops the rest), so a name we send is the name Graphite shows.
 */
export const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** A dotted statsd prefix such as `odoo` or `odoo.eu`. */
export const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Records a problem when `value` is not a single statsd name segment. */
export function checkSegment(
  variable: string,
  value: string,
  problems: MetricsConfigProblem[],
): void {
  // Checked at run time too: JavaScript callers may pass anything.
  if (typeof (value as unknown) !== "string" || !SEGMENT.test(value)) {
    problems.push({
      variable,
      rule: `must be one metric name segment, got "${value}"`,
      hint: 'use only letters, digits, "_" and "-" (it becomes part of every metric name)',
    });
  }
}

/** Records a problem when `value` is not a dotted statsd prefix. */
export function checkPrefix(
  variable: string,
  value: string,
  problems: MetricsConfigProblem[],
): void {
  if (!PREFIX.test(value)) {
    problems.push({
      variable,
      rule: `must be a dotted metric prefix, got "${value}"`,
      hint: 'segments of letters, digits, "_" and "-" joined by ".", e.g. "odoo"',
    });
  }
}

/** The name used for every request no route matched: scanners cannot create new names. */
export const UNMATCHED = "unmatched";

/** The statsd name of the root route `/`. */
export const ROOT = "root";

/**
 * Turns a route template into a statsd name: path segments become dot-separated segments,
 * and every character the statsd protocol or daemon would mangle (`.`, `:`, `|`, `@`,
 * spaces, braces...) becomes `_`. `/attachments/:id` → `attachments._id`, `/` → `root`,
 * no template (no route matched) → `unmatched`.
 */
export function statsdRouteName(template: string | undefined): string {
  if (template === undefined) return UNMATCHED;
  const segments = template
    .split("/")
    .filter((segment) => segment.length > 0)
    .map((segment) => segment.replace(/[^A-Za-z0-9_-]/g, "_"));
  return segments.length === 0 ? ROOT : segments.join(".");
}
