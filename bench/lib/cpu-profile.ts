/**
 * Self time per function and per package of a V8 `.cpuprofile` (`node --cpu-prof`), for the
 * profile summaries the request-path notes quote.
 */
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One row of a summary: a name and its share of the samples. */
export interface SelfTime {
  name: string;
  share: number;
}

/** The package a script URL belongs to: `express`, `@cloud-platform/logging-json`, `node:internal`. */
export function packageOf(url: string): string {
  if (url === "") return "(native / V8)";
  if (url.startsWith("node:")) return "node (core)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@")
      ? `${rest[0]}/${rest[1]}`
      : (rest[0] ?? url);
  }
  const own = /\/(packages|apps|bench)\/([^/]+)\//.exec(url);
  return own ? `@cloud-platform/${own[2]}` : url;
}

/** Self-time shares (0–1) by function (`name (package)`) and by package, largest first. */
export async function summariseProfile(path: string): Promise<{
  functions: SelfTime[];
  packages: SelfTime[];
  inclusive: SelfTime[];
  samples: number;
}> {
  const profile = JSON.parse(await readFile(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes)
    for (const child of n.children ?? []) parent.set(child, n.id);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const label = (node: ProfileNode): string =>
    `${node.callFrame.functionName || "(anonymous)"} (${packageOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1})`;
  let total = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    total += count;
    const pkg = packageOf(url);
    const key = `${functionName || "(anonymous)"} (${pkg})`;
    functions.set(key, (functions.get(key) ?? 0) + count);
    packages.set(pkg, (packages.get(pkg) ?? 0) + count);
    // Inclusive time: every distinct function on the sample's stack.
    const seen = new Set<string>();
    for (
      let at: number | undefined = id;
      at !== undefined;
      at = parent.get(at)
    ) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + count);
    }
  }
  const rows = (m: Map<string, number>): SelfTime[] =>
    [...m]
      .map(([name, count]) => ({ name, share: count / total }))
      .sort((a, b) => b.share - a.share);
  return {
    functions: rows(functions),
    packages: rows(packages),
    inclusive: rows(inclusive),
    samples: total,
  };
}
