import type { Request, Response } from "express";
import type { Attachments } from "@cloud-platform/storage-core";
import type { Logger } from "@cloud-platform/logging-json";
import {
  contentDisposition,
  setAttachmentHeaders,
} from "./attachment-headers.js";
import { parseRange } from "./http-range.js";

function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

function matches(header: string | undefined, etag: string): boolean {
  return (
    header !== undefined &&
    header.split(",").some((t) => t.trim() === etag || t.trim() === "*")
  );
}

/**
 * `GET`/`HEAD` of one attachment: ETag (its SHA-256), `If-None-Match` → 304, one `Range` →
 * 206 (416 when unsatisfiable), the hardening headers, streamed with the client's close
 * aborting the read.
 */
export async function sendAttachment(
  deps: { attachments: Attachments; logger: Logger },
  req: Request<{ id: string }>,
  res: Response,
  direct?: { expiresIn: number },
): Promise<void> {
  const record = await deps.attachments.get(req.params.id);
  const etag = `"${record.checksum}"`;
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Cache-Control", "private, no-cache");
  setAttachmentHeaders(res, record);
  if (matches(req.get("if-none-match"), etag)) {
    res.status(304).end();
    return;
  }
  if (direct !== undefined && req.method === "GET") {
    const url = await deps.attachments.downloadUrl(record, {
      expiresIn: direct.expiresIn,
      contentDisposition: contentDisposition(record.name),
    });
    if (url !== undefined) {
      // The URL is a short-lived credential: never cached, never sent on as a referrer.
      res.setHeader("Cache-Control", "no-store");
      res.redirect(302, url);
      return;
    }
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
  if (req.method === "HEAD") {
    // Headers only: no need to open the object.
    res.setHeader(
      "Content-Length",
      String(range ? range.end - range.start + 1 : record.size),
    );
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
  const signal = abortOnClose(res);
  const opened = await deps.attachments.open(
    record.id,
    range ? { range, signal } : { signal },
  );
  res.setHeader("Content-Length", String(opened.size));
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
      deps.logger.error("attachment stream failed", {
        error,
        attachment: record.id,
      });
    // Headers are gone: the only honest signal left is a cut connection.
    res.destroy(error);
  });
  opened.stream.pipe(res);
}
