import { describe, expect, it } from "@jest/globals";
import type { SessionData } from "express-session";
import {
  hasUserId,
  sessionTtl,
  type TtlPolicy,
} from "@cloud-platform/session-redis";

const policy: TtlPolicy = {
  ttl: 1000,
  anonymousTtl: 100,
  isAuthenticated: hasUserId,
};
const sess = (data: Record<string, unknown>): SessionData =>
  ({ cookie: { expires: null }, ...data }) as unknown as SessionData;

describe("sessionTtl", () => {
  it("counts a user id in uid, userId or passport.user as authenticated", () => {
    expect(
      [{ uid: 1 }, { userId: "u" }, { passport: { user: "x" } }].map((d) =>
        sessionTtl(policy, sess(d)),
      ),
    ).toEqual([1000, 1000, 1000]);
  });

  it("treats empty user ids as anonymous", () => {
    expect(
      [{}, { uid: null }, { userId: "" }, { uid: false }].map((d) =>
        sessionTtl(policy, sess(d)),
      ),
    ).toEqual([100, 100, 100, 100]);
  });

  it("honours a per-session expiration in seconds", () => {
    expect(sessionTtl(policy, sess({ uid: 1, expiration: 42 }))).toBe(42);
  });

  it("lets the cookie expiry win over the per-session expiration", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const data = {
      cookie: { expires: "2030-01-01T00:00:30Z" },
      expiration: 42,
    };
    expect(sessionTtl(policy, data as unknown as SessionData, now)).toBe(30);
  });

  it("returns a negative TTL for a cookie that already expired", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const data = { cookie: { expires: new Date("2029-12-31T23:59:00Z") } };
    expect(
      sessionTtl(policy, data as unknown as SessionData, now),
    ).toBeLessThan(0);
  });

  it("lets a ttl function decide alone, as in connect-redis", () => {
    expect(
      sessionTtl({ ...policy, ttl: () => 5 }, sess({ uid: 1, expiration: 42 })),
    ).toBe(5);
  });
});
