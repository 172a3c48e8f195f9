import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function runBin(binFile: string): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, [binFile, "--help"], {
    cwd: "/",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout };
}

describe("the cloud-platform bin", () => {
  it("is declared on a file that is in git with its exec bit", async () => {
    const manifest = JSON.parse(
      await readFile(join(packageDir, "package.json"), "utf8"),
    ) as { bin: Record<string, string>; files: string[] };
    expect(manifest.bin["cloud-platform"]).toBe("./bin/cloud-platform.js");
    expect(manifest.files).toContain("bin");
    const entry = execFileSync(
      "git",
      ["ls-files", "--stage", "bin/cloud-platform.js"],
      { cwd: packageDir, encoding: "utf8" },
    );
    expect(entry.split(" ")[0]).toBe("100755");
  });

  it("prints the usage from any working directory", () => {
    const result = runBin(join(packageDir, "bin/cloud-platform.js"));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: cloud-platform <command>/);
  });

  it("runs the sources when the package was never built", () => {
    // A copy of the package without dist/, inside the repository so tsx is found.
    const copy = mkdtempSync(join(packageDir, ".unbuilt-"));
    temporary.push(copy);
    mkdirSync(join(copy, "bin"));
    copyFileSync(
      join(packageDir, "bin/cloud-platform.js"),
      join(copy, "bin/cloud-platform.js"),
    );
    symlinkSync(join(packageDir, "src"), join(copy, "src"));
    const result = runBin(join(copy, "bin/cloud-platform.js"));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: cloud-platform <command>/);
  });
});
