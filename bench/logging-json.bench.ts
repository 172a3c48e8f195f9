/**
 * Lines per second of `@cloud-platform/logging-json` against plain winston with
 * `@elastic/ecs-winston-format` (the target: at least 1.0×), with pino as a reference, for a
 * simple message and a message with a nested object. Every logger writes to a stream that
 * discards the bytes; a run counts until the last line reached that stream (winston hands
 * lines over asynchronously). Median of several rounds, bounded in time.
 *
 * Run: `node --import tsx bench/logging-json.bench.ts` (after building the package).
 */
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { ecsFormat } from "@elastic/ecs-winston-format";
import {
  createLogger,
  runWithRequestContext,
} from "@cloud-platform/logging-json";
import { pino } from "pino";
import winston from "winston";

const LINES = 20_000;
const ROUNDS = 7;
const TIME_BUDGET_MS = 90_000;
const service = { name: "bench", version: "1.0.0", environment: "test" };

type Log = (message: string, fields?: Record<string, unknown>) => void;
interface Subject {
  readonly name: string;
  make(sink: Writable): Log;
  /** Runs the logging loop inside something, e.g. a request context. */
  around?: (loop: () => void) => void;
}

const nested = {
  attachment: {
    id: 42,
    name: "report.pdf",
    size: 123_456,
    mimetype: "application/pdf",
    location: "s3",
    tags: ["a", "b"],
  },
  user: {
    id: 7,
    login: "alice",
    groups: [
      { id: 1, name: "admin" },
      { id: 2, name: "user" },
    ],
  },
  durationMs: 12.5,
};

const subjects: Subject[] = [
  {
    name: "winston + ecs-winston-format",
    make: (sink) => {
      const logger = winston.createLogger({
        format: ecsFormat({
          serviceName: service.name,
          serviceVersion: service.version,
          serviceEnvironment: service.environment,
        }),
        transports: [
          // winston's own Stream transport; its typings trip this type-aware rule.
          // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
          new winston.transports.Stream({ stream: sink, eol: "\n" }),
        ],
      });
      return (message, fields) =>
        fields === undefined
          ? logger.info(message)
          : logger.info(message, fields);
    },
  },
  {
    name: "@cloud-platform/logging-json",
    make: (sink) => {
      const logger = createLogger({ service, destination: sink });
      return (message, fields) => logger.info(message, fields);
    },
  },
  {
    name: "@cloud-platform/logging-json, in a request",
    make: (sink) => {
      const logger = createLogger({ service, destination: sink }).child({
        component: "bench",
      });
      return (message, fields) => logger.info(message, fields);
    },
    // One context for all lines, as for the lines of one request (entering a context per
    // line would measure AsyncLocalStorage.run, not the logger).
    around: (loop) =>
      runWithRequestContext({ requestId: "6f1c2a9e-bench", uid: 7 }, loop),
  },
  {
    name: "pino (reference)",
    make: (sink) => {
      const logger = pino(
        {
          base: { pid: process.pid, ...service },
          timestamp: pino.stdTimeFunctions.isoTime,
        },
        sink,
      );
      return (message, fields) =>
        fields === undefined
          ? logger.info(message)
          : logger.info(fields, message);
    },
  },
];

function countingSink(expected: number): {
  sink: Writable;
  done: Promise<void>;
} {
  let count = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      count += 1;
      if (count === expected) finish();
      callback();
    },
  });
  return { sink, done };
}

// Lets callbacks a previous run left behind (winston's Stream transport schedules one
// setImmediate per line) run before the next measurement starts, and collects the previous
// run's garbage outside the clock when --expose-gc is given (the root runner gives it).
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  (globalThis as { gc?: () => void }).gc?.();
}

interface Sample {
  /** Lines per second of wall-clock time. */
  wall: number;
  /** Lines per second of this process's CPU time (user + system). */
  cpu: number;
}

async function measure(
  subject: Subject,
  fields: Record<string, unknown> | undefined,
): Promise<Sample> {
  await settle();
  const { sink, done } = countingSink(LINES);
  const log = subject.make(sink);
  const loop = (): void => {
    for (let i = 0; i < LINES; i++) log("attachment stored", fields);
  };
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (subject.around === undefined) loop();
  else subject.around(loop);
  await done;
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { wall: LINES / wall, cpu: LINES / ((cpu.user + cpu.system) / 1e6) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function sample(
  fields: Record<string, unknown> | undefined,
  started: number,
): Promise<Map<Subject, Sample[]>> {
  const samples = new Map<Subject, Sample[]>(subjects.map((s) => [s, []]));
  for (const s of subjects) await measure(s, fields); // warm-up, discarded
  for (
    let round = 0;
    round < ROUNDS && Date.now() - started < TIME_BUDGET_MS;
    round++
  ) {
    // Rotate the order so no logger always runs right after the same one.
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[(i + round) % subjects.length]!;
      samples.get(s)!.push(await measure(s, fields));
    }
  }
  return samples;
}

const format = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Runs the benchmark and returns its markdown table. */
export async function run(): Promise<string> {
  const started = Date.now();
  const cases = [
    { name: "simple message", fields: undefined },
    { name: "nested object", fields: nested },
  ];
  const rows: string[] = [];
  for (const c of cases) {
    const samples = await sample(c.fields, started);
    const base = samples.get(subjects[0]!)!;
    const [baseWall, baseCpu] = [
      median(base.map((x) => x.wall)),
      median(base.map((x) => x.cpu)),
    ];
    for (const s of subjects) {
      const wall = median(samples.get(s)!.map((x) => x.wall));
      const cpu = median(samples.get(s)!.map((x) => x.cpu));
      rows.push(
        `| ${c.name} | ${s.name} | ${format(wall)} | ${(wall / baseWall).toFixed(2)}× | ${format(cpu)} | ${(cpu / baseCpu).toFixed(2)}× |`,
      );
    }
  }
  return [
    `Median of up to ${ROUNDS} rounds of ${LINES.toLocaleString("en-US")} lines per logger, discarding stream, Node ${process.version}.`,
    "Lines per CPU-second (this process's user + system time) is the steadier figure on a shared machine.",
    "",
    "| message | logger | lines/s | vs winston + ECS | lines/CPU-s | vs winston + ECS |",
    "|---|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  console.log(await run());
}
