/**
 * `@cloud-platform/storage-swift` against raw `fetch` calls on the same Swift server (the
 * local SAIO, tempauth), in the same run: put and get of 1 KB, 1 MB and 100 MB objects.
 * The raw side is the least a fetch user writes: one PUT with the token and a content type,
 * one GET read into a Buffer. The store also sends the MD5 as ETag (the server verifies it).
 * Each sample times a batch of operations; the table shows the median per operation over
 * up to ROUNDS rounds (store and raw alternate, order rotated), bounded by TIME_BUDGET_MS.
 * The ratio is the median of the per-round ratios: on a shared machine the load drifts,
 * and the two samples of one round see nearly the same load.
 *
 * Run: `node --import tsx bench/storage-swift.bench.ts` (after building storage-core and storage-swift).
 */
import { pathToFileURL } from "node:url";
import type { ObjectStore } from "@cloud-platform/storage-core";
import { createSwiftStore } from "@cloud-platform/storage-swift";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";

const ROUNDS = 11;
const TIME_BUDGET_MS = 90_000;

interface Case {
  label: string;
  size: number;
  /** Operations per timed sample, so that small objects are not lost in timer noise. */
  batch: number;
}

const cases: Case[] = [
  { label: "1 KB", size: 1000, batch: 20 },
  { label: "1 MB", size: 1000 ** 2, batch: 5 },
  { label: "100 MB", size: 100 * 1000 ** 2, batch: 1 },
];

interface Subject {
  name: string;
  put(key: string, body: Buffer): Promise<unknown>;
  get(key: string): Promise<Buffer>;
}

interface Account {
  token: string;
  storageUrl: string;
}

async function login(
  authUrl: string,
  user: string,
  key: string,
): Promise<Account> {
  const response = await fetch(authUrl, {
    headers: { "x-auth-user": user, "x-auth-key": key },
  });
  if (response.status !== 200)
    throw new Error(`tempauth answered ${response.status}`);
  return {
    token: response.headers.get("x-auth-token")!,
    storageUrl: response.headers.get("x-storage-url")!,
  };
}

function rawSubject(account: Account, container: string): Subject {
  const url = (key: string): string =>
    `${account.storageUrl}/${container}/${key.split("/").map(encodeURIComponent).join("/")}`;
  return {
    name: "raw fetch",
    put: async (key, body) => {
      const response = await fetch(url(key), {
        method: "PUT",
        body,
        headers: {
          "x-auth-token": account.token,
          "content-type": "application/octet-stream",
        },
      });
      if (response.status !== 201)
        throw new Error(`PUT answered ${response.status}`);
      await response.body?.cancel();
    },
    get: async (key) => {
      const response = await fetch(url(key), {
        headers: { "x-auth-token": account.token },
      });
      if (response.status !== 200)
        throw new Error(`GET answered ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}

function storeSubject(store: ObjectStore): Subject {
  return {
    name: "store",
    put: (key, body) => store.put(key, body),
    get: (key) => store.get(key),
  };
}

/** Wall-clock milliseconds and client CPU milliseconds (this process) per operation of one batch. */
async function sample(
  c: Case,
  subject: Subject,
  op: "put" | "get",
  body: Buffer,
): Promise<{ wall: number; cpu: number }> {
  const keys = Array.from(
    { length: c.batch },
    (_, i) => `bench/${subject.name}/${c.label}/${i}`,
  );
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (const key of keys) {
    if (op === "put") await subject.put(key, body);
    else if ((await subject.get(key)).length !== body.length)
      throw new Error("short read");
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    wall: Number(process.hrtime.bigint() - start) / 1e6 / c.batch,
    cpu: (cpu.user + cpu.system) / 1000 / c.batch,
  };
}

async function dropContainer(
  account: Account,
  container: string,
): Promise<void> {
  const headers = { "x-auth-token": account.token };
  const listing = await fetch(
    `${account.storageUrl}/${container}?format=json`,
    { headers },
  );
  const names =
    listing.status === 200
      ? ((await listing.json()) as { name: string }[]).map((o) => o.name)
      : [];
  const body = names
    .map(
      (n) => `/${container}/${n.split("/").map(encodeURIComponent).join("/")}`,
    )
    .join("\n");
  if (body !== "")
    await (
      await fetch(`${account.storageUrl}?bulk-delete`, {
        method: "POST",
        body,
        headers: { ...headers, "content-type": "text/plain" },
      })
    ).text();
  await (
    await fetch(`${account.storageUrl}/${container}`, {
      method: "DELETE",
      headers,
    })
  ).text();
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ??
  Number.NaN;
const ms = (value: number): string =>
  value < 10 ? value.toFixed(2) : value.toFixed(0);

/** Runs the benchmark and returns its markdown table. */
export async function run(): Promise<string> {
  const { swiftV1 } = testEndpoints();
  const auth = {
    type: "tempauth" as const,
    authUrl: swiftV1.authUrl,
    user: swiftV1.user,
    key: swiftV1.key,
  };
  const account = await login(auth.authUrl, auth.user, auth.key);
  const container = uniqueName("cp-swift-bench");
  // Default segment size and threshold (100 MiB): the 100 MB (10^8 bytes) object is one PUT.
  const store = createSwiftStore({ container, auth, createContainer: true });
  const subjects = [rawSubject(account, container), storeSubject(store)];
  const started = Date.now();
  const rows: string[] = [];
  try {
    await store.put("bench/ready", "");
    for (const c of cases) {
      const body = Buffer.alloc(c.size, 0x5a);
      for (const op of ["put", "get"] as const) {
        const samples = subjects.map(
          () => [] as { wall: number; cpu: number }[],
        );
        for (const s of subjects) await sample(c, s, op, body); // warm-up (and the objects to get)
        for (
          let round = 0;
          round < ROUNDS &&
          (round < 3 || Date.now() - started < TIME_BUDGET_MS);
          round++
        ) {
          for (let i = 0; i < subjects.length; i++) {
            const at = (i + round) % subjects.length;
            samples[at]!.push(await sample(c, subjects[at]!, op, body));
          }
        }
        const [raw, ours] = samples.map((s) =>
          median(s.map((x) => x.wall)),
        ) as [number, number];
        const [rawCpu, ourCpu] = samples.map((s) =>
          median(s.map((x) => x.cpu)),
        ) as [number, number];
        const ratio = median(
          samples[1]!.map((value, i) => value.wall / samples[0]![i]!.wall),
        );
        rows.push(
          `| ${op} | ${c.label} | ${ms(raw)} | ${ms(ours)} | ${ratio.toFixed(2)}× | ${ms(rawCpu)} | ${ms(ourCpu)} | ${samples[0]!.length} |`,
        );
      }
    }
  } finally {
    await dropContainer(account, container);
  }
  return [
    `Milliseconds per operation (median), store vs raw fetch on the same local Swift (tempauth), Node ${process.version}; store / raw is the median of the per-round ratios; target ≤ 1.10×. Client CPU is this process's user+system time per operation (the server's is not counted).`,
    "",
    "| op | size | raw fetch ms | store ms | store / raw | raw client CPU ms | store client CPU ms | rounds |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  console.log(await run());
}
