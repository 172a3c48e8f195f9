import { PassThrough } from "node:stream";
import busboy from "busboy";
import type { Request } from "express";
import type {
  AttachmentRecord,
  Attachments,
} from "@cloud-platform/storage-core";

/** A client error the platform's error handler answers with its `status` (400 unless told). */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

const ignore = (): void => undefined;

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
  // As in receiveMultipart: a cut connection before the store listens must not crash.
  req.on("error", ignore);
  return attachments.create({
    name: headerName(req.get("x-filename")),
    mimetype: req.get("content-type") ?? "application/octet-stream",
    body: req,
    // A connection cut before Content-Length bytes is a truncated upload: nothing is kept.
    ...(size === undefined ? {} : { size }),
    ...(maxSize === undefined ? {} : { maxSize }),
  });
}

/**
 * `multipart/form-data`: the part named `file` is streamed into the store through `body`,
 * which ends only once the whole form parsed cleanly (its closing boundary seen, no second
 * file). Until then the store cannot finish, so a cut, malformed or ambiguous form is never
 * committed: every failure destroys `body` and answers a 4xx for this request alone.
 */
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
        defParamCharset: "utf8",
        limits: { files: 1, fields: 20, parts: 40, fieldSize: 64 * 1024 },
      });
    } catch (error) {
      reject(
        new BadRequestError(`bad multipart body: ${(error as Error).message}`),
      );
      return;
    }
    const body = new PassThrough();
    // The store starts reading after an await: an error before then had no listener and
    // killed the process (busboy's "Unexpected end of form"). The store still sees it, as
    // the stream's `errored` state, when it starts.
    body.on("error", ignore);
    let created: Promise<AttachmentRecord> | undefined;
    let failure: Error | undefined;
    let fileEnded = false;
    let formEnded = false;
    const fail = (error: Error): void => {
      if (failure) return;
      failure = error;
      body.destroy(error);
      req.unpipe(parser);
      req.resume(); // drain what the client still sends; the answer goes out now
      // Answer once the store has let go of the upload (it deletes what it wrote).
      if (created)
        created.then(
          () => reject(error),
          () => reject(error),
        );
      else reject(error);
    };
    const bad = (message: string): void =>
      fail(new BadRequestError(`bad multipart body: ${message}`));
    const finish = (): void => {
      if (failure || !formEnded) return;
      if (!created) {
        fail(new BadRequestError('multipart body has no "file" part'));
        return;
      }
      if (!fileEnded) return;
      body.end();
      created.then(resolve, fail);
    };
    parser.on("file", (field, stream, info) => {
      stream.on("error", (error: Error) => bad(error.message));
      if (field !== "file" || created || failure) {
        stream.resume();
        return;
      }
      created = attachments.create({
        name: info.filename ?? "unnamed",
        mimetype: info.mimeType,
        body,
        ...(maxSize === undefined ? {} : { maxSize }),
      });
      // The store's own refusal (too large, bad name) is the answer.
      created.catch((error: unknown) =>
        fail(error instanceof Error ? error : new Error(String(error))),
      );
      stream.once("end", () => {
        fileEnded = true;
        finish();
      });
      stream.pipe(body, { end: false });
    });
    parser.on("filesLimit", () =>
      bad("more than one file part (send one file per request)"),
    );
    parser.on("partsLimit", () => bad("too many parts"));
    parser.on("fieldsLimit", () => bad("too many fields"));
    // `on`, not `once`: busboy can report more than one error for one body.
    parser.on("error", (error: Error) => bad(error.message));
    parser.on("close", () => {
      formEnded = true;
      finish();
    });
    // A client gone mid-body: busboy would wait for the rest forever, and the store with it.
    req.once("close", () => {
      if (!req.complete) bad("the upload was cut before its end");
    });
    req.pipe(parser);
  });
}

/**
 * Receives an upload, multipart or raw, streamed (never buffered whole).
 *
 * @throws BadRequestError (400) for a malformed or cut request; the store's StorageError
 *   (`E_TOO_LARGE`, `E_INVALID_ARGUMENT`, …) when it refuses. Nothing is recorded then.
 */
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
