import { describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { createMetricSet, createStatsd } from "../src/index.js";

describe("createMetricSet", () => {
  it("sends each metric to Prometheus and statsd under the same name", async () => {
    const registry = new Registry();
    const statsd = createStatsd({
      customer: "acme",
      environment: "prod",
      mock: true,
    });
    const set = createMetricSet({ registry, statsd });
    set
      .counter<"store">({
        name: "x_errors_total",
        help: "h",
        labels: ["store"],
      })
      .inc({ store: "s3" }, 2);
    set.gauge({ name: "x_queue_refs", help: "h" }).set({}, 7);
    set
      .histogram<"operation">({
        name: "x_duration_seconds",
        help: "h",
        labels: ["operation"],
      })
      .observe({ operation: "put" }, 0.25);
    const text = await registry.metrics();
    expect(text).toContain('x_errors_total{store="s3"} 2');
    expect(text).toContain("x_queue_refs 7");
    expect(text).toContain('x_duration_seconds_count{operation="put"} 1');
    expect(statsd.mockLines).toEqual([
      "odoo.x_errors.acme.prod.s3:2|c",
      "odoo.x_queue_refs.acme.prod:7|g",
      "odoo.x_duration.acme.prod.put:250|ms",
    ]);
    set.close();
    expect(await registry.metrics()).not.toContain("x_");
    await statsd.close();
  });

  it("makes label values statsd-safe so a value never adds a segment", () => {
    const statsd = createStatsd({ customer: "acme", mock: true });
    const set = createMetricSet({ statsd });
    set
      .counter<"code">({ name: "y_total", help: "h", labels: ["code"] })
      .inc({ code: "a.b:c|d" });
    expect(statsd.mockLines).toEqual(["odoo.y.acme.dev.a_b_c_d:1|c"]);
  });
});
