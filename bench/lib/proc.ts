/** Figures of a running process from /proc (Linux). */
import { readFile } from "node:fs/promises";

/** USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds used so far by process `pid`; NaN when it cannot be read. */
export async function processCpuSeconds(pid: number | string): Promise<number> {
  try {
    const line = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces): utime is the 14th, stime the 15th.
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM…) in MB (10^6 bytes); NaN when unreadable. */
export async function processStatusMb(
  pid: number,
  name: string,
): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(
    new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1],
  );
  return (kb * 1024) / 1e6;
}
