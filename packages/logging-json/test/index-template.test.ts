import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import express from "express";
import {
  accessLogMiddleware,
  createLogger,
  requestContextMiddleware,
  setRequestContext,
  type Logger,
} from "../src/index.js";
import {
  listen,
  memoryDestination,
  type MemoryDestination,
} from "./helpers.js";

const TEMPLATE = new URL(
  "../../../observability/elasticsearch/logs-index-template.json",
  import.meta.url,
);

interface Mapping {
  type?: string;
  properties?: Record<string, Mapping>;
}

/** `a.b.c` → type, for every leaf of the template's mapping. */
function leaves(
  properties: Record<string, Mapping>,
  prefix = "",
  out = new Map<string, string>(),
): Map<string, string> {
  for (const [name, mapping] of Object.entries(properties)) {
    const path = prefix + name;
    if (mapping.properties) leaves(mapping.properties, `${path}.`, out);
    else out.set(path, mapping.type ?? "object");
  }
  return out;
}

/** `a.b.c` → values, for every leaf of a line (arrays of objects flattened, as Elasticsearch does). */
function flatten(
  value: unknown,
  prefix: string,
  out: [string, unknown][],
): [string, unknown][] {
  if (Array.isArray(value))
    for (const item of value) flatten(item, prefix, out);
  else if (typeof value === "object" && value !== null)
    for (const [key, inner] of Object.entries(value))
      flatten(inner, prefix === "" ? key : `${prefix}.${key}`, out);
  else out.push([prefix, value]);
  return out;
}

function fits(type: string, value: unknown): boolean {
  switch (type) {
    case "date":
      return typeof value === "string" && !Number.isNaN(Date.parse(value));
    case "long":
      return Number.isInteger(value);
    case "keyword":
      return typeof value === "string" || typeof value === "number";
    case "wildcard":
    case "match_only_text":
      return typeof value === "string";
    default:
      return false;
  }
}

describe("the Elasticsearch index template against real lines", () => {
  let types: Map<string, string>;
  let out: MemoryDestination;
  let logger: Logger;
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    const template = JSON.parse(await readFile(TEMPLATE, "utf8")) as {
      template: { mappings: { properties: Record<string, Mapping> } };
    };
    types = leaves(template.template.mappings.properties);
    out = memoryDestination();
    logger = createLogger({
      service: { name: "template-test", version: "1.2.3", environment: "test" },
      destination: out.stream,
    });
    const app = express();
    app.use(requestContextMiddleware());
    app.use(accessLogMiddleware(logger));
    app.get("/items/:id", (_req, res) => {
      setRequestContext({ uid: 7, dbname: "acme" });
      logger.child({ component: "items" }).info("reading");
      res.json({ ok: true });
    });
    app.get("/fail", () => {
      const error = Object.assign(
        new Error("boom", { cause: new TypeError("root") }),
        {
          code: "E_BOOM",
        },
      );
      throw error;
    });
    app.use(
      (
        error: Error,
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        logger.error("request failed", error);
        res.status(500).end();
      },
    );
    server = await listen(app);
  });
  afterAll(async () => {
    await server.close();
    await logger.close();
  });

  it.each([
    [
      "with a traceparent",
      {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
    ],
    ["without a traceparent", {}],
  ])(
    "maps every field of access, component and error lines %s to a field of the right type",
    async (_name, headers) => {
      const before = out.records().length;
      for (const path of ["/items/3", "/fail"])
        await (await fetch(`${server.url}${path}`, { headers })).arrayBuffer();
      await logger.flush();
      const lines = out.records().slice(before);
      expect(lines.length).toBeGreaterThanOrEqual(4);
      const seen = new Set<string>();
      for (const line of lines) {
        for (const [path, value] of flatten(line, "", [])) {
          seen.add(path);
          const type = types.get(path);
          expect([path, type === undefined ? "unmapped" : "mapped"]).toEqual([
            path,
            "mapped",
          ]);
          expect([path, type, fits(type!, value)]).toEqual([path, type, true]);
        }
      }
      expect(seen.has("trace.id")).toBe("traceparent" in headers);
      for (const field of ["request_id", "uid", "dbname"]) {
        expect(seen.has(field)).toBe(true);
        expect(types.get(field)).toBe("keyword");
      }
    },
  );
});
