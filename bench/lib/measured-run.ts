/**
 * Runs a command under `/usr/bin/time -v`, so that its wall time, CPU time and peak RSS
 * (kernel's max resident set of the process) are measured the same way for every tool.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What one measured command did. */
export interface MeasuredRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in ms. */
  wallMs: number;
  /** Peak resident set size, in MB (10^6 bytes). */
  peakRssMb: number;
  /** User + system CPU time of the command, in seconds. */
  cpuSeconds: number;
}

/** Options of {@link runMeasured}. */
export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed (SIGKILL) after this long. @default 600_000 */
  timeoutMs?: number;
}

function field(report: string, name: string): number {
  const line = report.split("\n").find((l) => l.trim().startsWith(name));
  const value = Number(line?.split(":").at(-1)?.trim());
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Runs `command args` to its end and measures it. Never throws for a non-zero exit. */
export async function runMeasured(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), "cp-bench-time-"));
  const reportFile = join(dir, "time.txt");
  try {
    const started = performance.now();
    const child = spawn(
      "/usr/bin/time",
      ["-v", "-o", reportFile, command, ...args],
      {
        env: options.env,
        cwd: options.cwd ?? process.cwd(),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    // Progress lines can be many: keep the tail only.
    child.stderr
      .setEncoding("utf8")
      .on("data", (c: string) => (stderr = (stderr + c).slice(-20_000)));
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      options.timeoutMs ?? 600_000,
    );
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    clearTimeout(timer);
    const wallMs = performance.now() - started;
    const report = await readFile(reportFile, "utf8").catch(() => "");
    return {
      code,
      stdout,
      stderr,
      wallMs,
      peakRssMb:
        (field(report, "Maximum resident set size (kbytes)") * 1024) / 1e6,
      cpuSeconds:
        field(report, "User time (seconds)") +
        field(report, "System time (seconds)"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Throws with the tail of stderr when a measured run failed. */
export function assertOk(run: MeasuredRun, what: string): void {
  if (run.code !== 0)
    throw new Error(
      `${what} exited with ${run.code}:\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`,
    );
}
