import busboy from "busboy";
import type { Request } from "express";
import type {
  AttachmentRecord,
  Attachments,
} from "@cloud-platform/storage-core";

/** A client error the platform's error handler answers with its `status`. */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
  readonly status = 400;
}

function headerName(value: string | undefined): string {
  if (value === undefined || value.trim() === "")
    throw new BadRequestError("a raw upload needs an X-Filename header");
  try {
    // Non-ASCII names travel percent-encoded (headers are Latin-1).
    return decodeURIComponent(value.trim());
  } catch {
    return value.trim();
  }
}

function declaredLength(req: Request): number | undefined {
  const header = req.get("content-length");
  if (header === undefined) return undefined;
  const length = Number(header);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new BadRequestError("invalid Content-Length");
  return length;
}

/** A raw body: the bytes are the request body, the name is in X-Filename. */
function receiveRaw(
  req: Request,
  attachments: Attachments,
  maxSize: number | undefined,
): Promise<AttachmentRecord> {
  const size = declaredLength(req);
  return attachments.create({
    name: headerName(req.get("x-filename")),
    mimetype: req.get("content-type") ?? "application/octet-stream",
    body: req,
    // A connection cut before Content-Length bytes is a truncated upload: nothing is kept.
    ...(size === undefined ? {} : { size }),
    ...(maxSize === undefined ? {} : { maxSize }),
  });
}

/** `multipart/form-data`: the part named `file` is streamed straight into the store. */
function receiveMultipart(
  req: Request,
  attachments: Attachments,
  maxSize: number | undefined,
): Promise<AttachmentRecord> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fields: 20, parts: 40 },
      });
    } catch (error) {
      reject(
        new BadRequestError(`bad multipart body: ${(error as Error).message}`),
      );
      return;
    }
    let pending: Promise<AttachmentRecord> | undefined;
    const stop = (error: unknown): void => {
      req.unpipe(parser);
      req.resume(); // drain what the client still sends; the answer goes out now
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    parser.on("file", (field, stream, info) => {
      if (field !== "file" || pending) {
        stream.resume();
        return;
      }
      pending = attachments.create({
        name: info.filename ?? "unnamed",
        mimetype: info.mimeType,
        body: stream,
        ...(maxSize === undefined ? {} : { maxSize }),
      });
      pending.catch(stop);
    });
    parser.once("error", (error) => {
      if (pending) pending.then(() => stop(error), stop);
      else
        stop(
          new BadRequestError(
            `bad multipart body: ${(error as Error).message}`,
          ),
        );
    });
    parser.once("close", () => {
      if (!pending)
        stop(new BadRequestError('multipart body has no "file" part'));
      else pending.then(resolve, () => undefined);
    });
    // A client gone mid-body: busboy would wait for the rest forever, and the store with it.
    req.once("close", () => {
      if (!req.complete)
        parser.destroy(
          new BadRequestError("the upload was cut before its end"),
        );
    });
    req.pipe(parser);
  });
}

/** Receives an upload, multipart or raw, streamed (never buffered whole). */
export function receiveUpload(
  req: Request,
  attachments: Attachments,
  maxSize?: number,
): Promise<AttachmentRecord> {
  const type = req.get("content-type") ?? "";
  if (/^multipart\/form-data/i.test(type))
    return receiveMultipart(req, attachments, maxSize);
  return receiveRaw(req, attachments, maxSize);
}
