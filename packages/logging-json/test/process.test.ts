import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";

const packageDir = join(import.meta.dirname, "..");
const fixture = join(import.meta.dirname, "fixtures", "process-child.ts");

interface Outcome {
  code: number | null;
  records: Record<string, unknown>[];
}

function runChild(mode: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@cloud-platform/source", "--import", "tsx", fixture, mode],
      {
        cwd: packageDir,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const stdout: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) child.kill("SIGTERM");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = Buffer.concat(stdout)
        .toString()
        .split("\n")
        .filter((line) => line !== "");
      resolve({
        code,
        records: lines.map(
          (line) => JSON.parse(line) as Record<string, unknown>,
        ),
      });
    });
  });
}

describe("installProcessHandlers in a real child process", () => {
  it("flushes every one of 10,000 lines on SIGTERM before exiting with 143", async () => {
    const { code, records } = await runChild("sigterm");
    expect(code).toBe(143);
    const seqs = records
      .filter((r) => r["message"] === "line")
      .map((r) => r["seq"]);
    expect(seqs).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(records.at(-1)).toMatchObject({
      message: "received SIGTERM, flushing logs",
      "process.signal": "SIGTERM",
    });
  });

  it("logs an uncaught exception in full, cause chain included, then exits with 1", async () => {
    const { code, records } = await runChild("exception");
    expect(code).toBe(1);
    expect(records.at(-1)).toMatchObject({
      "log.level": "error",
      "error.origin": "uncaughtException",
      error: {
        type: "Error",
        message: "fatal",
        causes: [{ message: "root", code: "E_ROOT" }],
      },
    });
  });

  it("logs an unhandled rejection, then exits with 1", async () => {
    const { code, records } = await runChild("rejection");
    expect(code).toBe(1);
    expect(records.at(-1)).toMatchObject({
      "log.level": "error",
      error: { type: "TypeError", message: "rejected" },
    });
  });
});
