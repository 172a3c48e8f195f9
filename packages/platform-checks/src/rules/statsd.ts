import { PlatformRule } from "../rules.js";
import type { RuleContext } from "./context.js";

/** statsd needs a customer: it is a segment of every metric name. */
export function checkStatsd(ctx: RuleContext): void {
  if (!ctx.values.statsd.enabled || ctx.values.statsd.customer !== undefined)
    return;
  ctx.problem(
    PlatformRule.StatsdCustomerRequired,
    "STATSD_CUSTOMER",
    "ODOO_STATSD is on but STATSD_CUSTOMER is not set.",
    "Set STATSD_CUSTOMER to the customer segment of the metric names, or turn ODOO_STATSD off.",
  );
}
