/**
 * What the local Swift (S3 + Swift APIs, `swift-saio.sh`) did during a run: CPU time of its
 * servers, and the requests its proxy logged for one bucket/container. Plus the clean-up of
 * a benchmark's containers through the Swift API (bulk delete).
 */
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { processCpuSeconds } from "./proc.js";

// Where scripts/services.sh keeps the servers' pid files and logs (SAIO_DIR for swift-saio.sh).
const SAIO_DIR =
  process.env["CP_SERVICES_DIR"] ??
  process.env["SAIO_DIR"] ??
  "/tmp/cloud-platform-services";
const SERVERS = ["proxy", "object", "container", "account"];

async function cpuOf(pidFile: string): Promise<number> {
  try {
    return await processCpuSeconds((await readFile(pidFile, "utf8")).trim());
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used so far by the Swift proxy, object, container and account servers. */
export async function swiftServerCpu(): Promise<number> {
  const values = await Promise.all(
    SERVERS.map((s) => cpuOf(join(SAIO_DIR, "run", `${s}.pid`))),
  );
  return values.reduce((a, b) => a + b, 0);
}

const PROXY_LOG = join(SAIO_DIR, "log", "proxy.log");

/** The proxy log's current length: pass it to {@link countRequests} after the run. */
export async function proxyLogOffset(): Promise<number> {
  try {
    return (await stat(PROXY_LOG)).size;
  } catch {
    return -1;
  }
}

/**
 * Requests for `container` (S3 bucket or Swift container, and its segments container) the
 * proxy logged since `offset`, by method; undefined when the log cannot be read.
 */
export async function countRequests(
  offset: number,
  container: string,
): Promise<Record<string, number> | undefined> {
  if (offset < 0) return undefined;
  const handle = await open(PROXY_LOG, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const counts: Record<string, number> = {};
    const needle = new RegExp(
      `^\\S+ \\S+ \\S+ \\S+ (\\w+) (?:/v1/AUTH_\\w+)?/${container}[/?_+ ]`,
    );
    let rest = "";
    for await (const chunk of handle.createReadStream({
      start: offset,
      encoding: "utf8",
    })) {
      const lines = (rest + (chunk as string)).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const method = needle.exec(line)?.[1];
        if (method !== undefined) counts[method] = (counts[method] ?? 0) + 1;
      }
    }
    return counts;
  } finally {
    await handle.close();
  }
}

/** Requests by method divided by `files`, e.g. `PUT 1.00, GET 0.01`; `n/a` when not counted. */
export function requestsPerFile(
  requests: Record<string, number> | undefined,
  files: number,
  digits = 2,
): string {
  if (!requests) return "n/a";
  return Object.entries(requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, n]) => `${method} ${(n / files).toFixed(digits)}`)
    .join(", ");
}

/** Credentials of the Swift API with tempauth (auth v1). */
export interface SwiftV1 {
  authUrl: string;
  user: string;
  key: string;
}

/** A token and storage URL from tempauth (auth v1). */
export async function authenticate(
  swift: SwiftV1,
): Promise<{ url: string; token: string }> {
  const response = await fetch(swift.authUrl, {
    headers: { "X-Auth-User": swift.user, "X-Auth-Key": swift.key },
  });
  const url = response.headers.get("x-storage-url");
  const token = response.headers.get("x-auth-token");
  if (!response.ok || url === null || token === null)
    throw new Error(`Swift auth failed: ${response.status}`);
  return { url, token };
}

async function listNames(
  url: string,
  token: string,
  query: string,
): Promise<string[]> {
  const names: string[] = [];
  for (let marker = ""; ;) {
    const response = await fetch(
      `${url}?format=json&limit=10000&${query}&marker=${encodeURIComponent(marker)}`,
      { headers: { "X-Auth-Token": token } },
    );
    if (response.status === 404) return names;
    if (!response.ok)
      throw new Error(`Swift listing failed: ${response.status}`);
    const page = (await response.json()) as { name: string }[];
    if (page.length === 0) return names;
    names.push(...page.map((e) => e.name));
    marker = page.at(-1)!.name;
  }
}

/**
 * One `?bulk-delete` POST of `names` in `container` (the local proxy takes up to 10,000);
 * resolves to how many the server says it deleted.
 */
export async function bulkDelete(
  url: string,
  token: string,
  container: string,
  names: readonly string[],
): Promise<number> {
  const response = await fetch(`${url}?bulk-delete`, {
    method: "POST",
    headers: {
      "X-Auth-Token": token,
      "Content-Type": "text/plain",
      Accept: "application/json",
    },
    body: names
      .map((n) => `/${encodeURIComponent(container)}/${encodeURIComponent(n)}`)
      .join("\n"),
  });
  const answer = (await response.json()) as { "Number Deleted"?: number };
  return answer["Number Deleted"] ?? 0;
}

/**
 * Deletes every container whose name starts with `prefix` (buckets of the S3 API are
 * containers too), objects first, through bulk delete: cheap for the server.
 */
export async function deleteContainers(
  swift: SwiftV1,
  prefix: string,
): Promise<number> {
  const { url, token } = await authenticate(swift);
  const containers = await listNames(
    url,
    token,
    `prefix=${encodeURIComponent(prefix)}`,
  );
  let objects = 0;
  for (const container of containers) {
    const names = await listNames(
      `${url}/${encodeURIComponent(container)}`,
      token,
      "",
    );
    for (let i = 0; i < names.length; i += 1000)
      await bulkDelete(url, token, container, names.slice(i, i + 1000));
    objects += names.length;
    await (
      await fetch(`${url}/${encodeURIComponent(container)}`, {
        method: "DELETE",
        headers: { "X-Auth-Token": token },
      })
    ).arrayBuffer();
  }
  return objects;
}

/** Creates a container through the Swift API (idempotent). */
export async function createContainer(
  swift: SwiftV1,
  name: string,
): Promise<void> {
  const { url, token } = await authenticate(swift);
  const response = await fetch(`${url}/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { "X-Auth-Token": token },
  });
  await response.arrayBuffer();
  if (!response.ok)
    throw new Error(`creating container failed: ${response.status}`);
}
