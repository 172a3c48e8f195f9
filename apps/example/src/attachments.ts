import { Router, type Request, type Response } from "express";
import type { AttachmentRecord } from "@cloud-platform/storage-core";
import type { Platform } from "@cloud-platform/platform";
import { parseRange } from "./range.js";
import { BadRequestError, receiveUpload } from "./upload.js";

/** What the API shows of an attachment. */
function view(record: AttachmentRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    mimetype: record.mimetype,
    size: record.size,
    checksum: record.checksum,
    location: record.ref.split(":")[0],
    createdAt: record.createdAt.toISOString(),
  };
}

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function download(
  platform: Platform,
  req: Request<{ id: string }>,
  res: Response,
): Promise<void> {
  const record = await platform.attachments.get(req.params.id);
  const etag = `"${record.checksum}"`;
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Cache-Control", "private, no-cache");
  const ifNoneMatch = req.get("if-none-match");
  if (
    ifNoneMatch !== undefined &&
    ifNoneMatch.split(",").some((t) => t.trim() === etag || t.trim() === "*")
  ) {
    res.status(304).end();
    return;
  }
  const range = parseRange(
    req.get("range"),
    record.size,
    req.get("if-range"),
    etag,
  );
  if (range === "unsatisfiable") {
    res.setHeader("Content-Range", `bytes */${record.size}`);
    res.status(416).end();
    return;
  }
  const signal = abortOnClose(res);
  if (req.method === "HEAD") {
    // Headers only: no need to open the object.
    const size = range ? range.end - range.start + 1 : record.size;
    res.setHeader("Content-Type", record.mimetype);
    res.setHeader("Content-Length", String(size));
    res.setHeader("Content-Disposition", disposition(record.name));
    if (range)
      res
        .status(206)
        .setHeader(
          "Content-Range",
          `bytes ${range.start}-${range.end}/${record.size}`,
        );
    res.end();
    return;
  }
  const opened = await platform.attachments.open(
    record.id,
    range ? { range, signal } : { signal },
  );
  res.setHeader("Content-Type", opened.mimetype);
  res.setHeader("Content-Length", String(opened.size));
  res.setHeader("Content-Disposition", disposition(opened.name));
  if (opened.range) {
    res
      .status(206)
      .setHeader(
        "Content-Range",
        `bytes ${opened.range.start}-${opened.range.end}/${opened.totalSize}`,
      );
  }
  opened.stream.once("error", (error) => {
    // The client went away (its close aborted the read): nothing failed here, the access log has it.
    if (!signal.aborted)
      platform.logger.error("attachment stream failed", {
        error,
        attachment: record.id,
      });
    // Headers are gone: the only honest signal left is a cut connection.
    res.destroy(error);
  });
  opened.stream.pipe(res);
}

function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * `?limit=`: a whole number, at most 1000. Anything else is the client's mistake: passed on,
 * `1.5` failed in the database (a 503) and `-1` meant "no limit" to SQLite.
 */
function listLimit(raw: unknown): number {
  if (raw === undefined) return 100;
  if (typeof raw !== "string" || !/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw new BadRequestError(
      "limit must be a positive whole number (at most 1000 are listed)",
    );
  return Math.min(Number(raw), 1000);
}

/** `/attachments`: upload (multipart or raw), list, download (ranges, ETag), delete. */
export function attachmentsRouter(platform: Platform): Router {
  const router = Router();
  router.post("/", async (req, res) => {
    const record = await receiveUpload(
      req,
      platform.attachments,
      platform.uploadLimit,
    );
    res.status(201).location(`${req.baseUrl}/${record.id}`).json(view(record));
  });
  router.get("/", async (req, res) => {
    const after =
      typeof req.query.after === "string" ? req.query.after : undefined;
    const limit = listLimit(req.query.limit);
    const records = await platform.attachments.list(
      after === undefined ? { limit } : { after, limit },
    );
    res.json(records.map(view));
  });
  router.get("/:id", (req, res) => download(platform, req, res));
  router.delete("/:id", async (req, res) => {
    const deleted = await platform.attachments.delete(req.params.id);
    res.status(deleted ? 204 : 404).end();
  });
  return router;
}
