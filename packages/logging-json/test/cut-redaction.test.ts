import { describe, expect, it } from "@jest/globals";
import { Writable } from "node:stream";
import { createLogger } from "../src/index.js";

/** The one JSON line `message` (with `fields`) becomes. */
async function lineOf(
  message: string,
  fields: Record<string, unknown> = {},
): Promise<string> {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const logger = createLogger({
    service: { name: "cut-test" },
    json: true,
    destination: stream,
  });
  logger.info(message, fields);
  await logger.close();
  return out;
}

/**
 * Long strings are cut at 10,000 characters; the cut comes after the redaction (#15
 * defect 4), or a password straddling it would be written in part.
 */
describe("the 10,000-character cut of logging-json", () => {
  const password = "pw-" + "Q7z".repeat(30);

  it("redacts a URL password that straddles the cut of a message", async () => {
    const message = `${"m".repeat(9_960)} postgres://odoo:${password}@db.internal/acme`;
    const line = await lineOf(message);
    expect(line).toContain("truncated");
    expect(line).not.toContain("Q7zQ7z");
  });

  it("redacts a password holding a raw @ in a field that straddles the cut", async () => {
    const target = `${"f".repeat(9_970)} redis://:${password}@x${password}@cache:6379`;
    const line = await lineOf("connecting", { target });
    expect(line).not.toContain("Q7zQ7z");
  });

  it("redacts a password holding a raw @ in a short message too", async () => {
    const line = await lineOf(`redis://:p@ss${password}@cache:6379 is down`);
    expect(line).not.toContain("Q7zQ7z");
    expect(line).not.toContain("p@ss");
    expect(line).toContain("@cache:6379 is down");
  });
});
