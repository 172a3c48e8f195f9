import { describe, expect, it } from "@jest/globals";
import { ByteBudget } from "../src/attachments/byte-budget.js";

describe("ByteBudget", () => {
  it("lets takers in while their bytes fit, and the next one in when bytes come back", async () => {
    const budget = new ByteBudget(10);
    const first = await budget.take(6);
    let second: (() => void) | undefined;
    const waiting = budget.take(6).then((release) => (second = release));
    await Promise.resolve();
    expect(second).toBeUndefined();
    expect(budget.used).toBe(6);
    first();
    await waiting;
    expect(budget.used).toBe(6);
    second?.();
    expect(budget.used).toBe(0);
  });

  it("serves waiters in order, so a large one is not starved by small ones", async () => {
    const budget = new ByteBudget(10);
    const held = await budget.take(8);
    const order: string[] = [];
    const large = budget.take(10).then((r) => (order.push("large"), r));
    const small = budget.take(1).then((r) => (order.push("small"), r));
    held();
    (await large)();
    (await small)();
    expect(order).toEqual(["large", "small"]);
  });

  it("caps a share at the total, so a file larger than the budget still goes", async () => {
    const budget = new ByteBudget(10);
    const release = await budget.take(50);
    expect(budget.used).toBe(10);
    release();
    release();
    expect(budget.used).toBe(0);
  });
});
