import { Router, type Request, type RequestHandler } from "express";
import type { Platform } from "./platform.js";
import { sendAttachment } from "./attachment-download.js";
import { BadRequestError, receiveUpload } from "./attachment-upload.js";
import { attachmentView } from "./attachment-view.js";
import { mountDirectUploads } from "./attachments-direct.js";

/** What a request asks to do, for {@link AttachmentsRouterOptions.authorize}. */
export interface AttachmentAccess {
  action: "list" | "create" | "read" | "delete";
  /** The attachment, for `read` and `delete`. */
  id?: string;
}

/** Options of {@link attachmentsRouter}. */
export interface AttachmentsRouterOptions {
  /**
   * Access control, the app's own: `true` lets the request through, `false` answers
   * `deniedStatus`. Throwing passes the error to the app's error handler.
   * @default every request is allowed
   */
  authorize?: (
    req: Request,
    access: AttachmentAccess,
  ) => boolean | Promise<boolean>;
  /** The status of a request `authorize` refuses. @default 403 */
  deniedStatus?: 401 | 403 | 404;
  /** Largest upload, in bytes. @default the platform's `uploadLimit` (none) */
  uploadLimit?: number;
  /** Lifetime of a direct upload's signed URL, in seconds. @default 900 */
  uploadExpiresIn?: number;
  /**
   * Answer `GET /:id` with a 302 to a short-lived signed URL of the object store (the file
   * name set) instead of streaming the bytes through the app, where the attachment is in an
   * object store that can sign (else it streams as usual). `If-None-Match` is still answered
   * here (304); the store serves `Range`. The store's bytes are not checksum-checked on the
   * way, as the streamed path does. `true` means a lifetime of 300 s. @default false
   */
  directDownload?: boolean | { expiresIn: number };
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

/**
 * The attachments HTTP surface, mounted in one line:
 * `app.use('/attachments', attachmentsRouter(platform, { authorize }))`.
 * `POST /` (multipart field `file`, or a raw body with `X-Filename`) → 201, `GET /` (list,
 * `?after=&limit=`), `GET|HEAD /:id` (Range, ETag, 304, hardened headers), `DELETE /:id`,
 * and the direct uploads: `POST /uploads`, `POST /uploads/:id/complete`, `DELETE /uploads/:id`.
 * Errors go to the app's error handler (`platform.errorHandler()`).
 */
export function attachmentsRouter(
  platform: Pick<Platform, "attachments" | "logger" | "uploadLimit">,
  options: AttachmentsRouterOptions = {},
): Router {
  const router = Router();
  const limit = options.uploadLimit ?? platform.uploadLimit;
  const direct = options.directDownload ?? false;
  const directDownload =
    direct === false
      ? undefined
      : { expiresIn: direct === true ? 300 : direct.expiresIn };
  if (
    directDownload !== undefined &&
    (!Number.isSafeInteger(directDownload.expiresIn) ||
      directDownload.expiresIn < 1 ||
      directDownload.expiresIn > 86_400)
  )
    throw new TypeError("directDownload.expiresIn must be 1 to 86400 seconds");
  const allow =
    (action: AttachmentAccess["action"]): RequestHandler =>
    async (req, res, next) => {
      const id: unknown = req.params.id;
      const access: AttachmentAccess =
        typeof id === "string" ? { action, id } : { action };
      if (!options.authorize || (await options.authorize(req, access))) {
        next();
        return;
      }
      res.status(options.deniedStatus ?? 403).json({ error: "not allowed" });
    };
  mountDirectUploads(router, platform, {
    allow: allow("create"),
    uploadLimit: limit,
    expiresIn: options.uploadExpiresIn ?? 900,
  });
  router.post("/", allow("create"), async (req, res) => {
    const record = await receiveUpload(req, platform.attachments, limit);
    res
      .status(201)
      .location(`${req.baseUrl}/${record.id}`)
      .json(attachmentView(record));
  });
  router.get("/", allow("list"), async (req, res) => {
    const after =
      typeof req.query.after === "string" ? req.query.after : undefined;
    const records = await platform.attachments.list({
      limit: listLimit(req.query.limit),
      ...(after === undefined ? {} : { after }),
    });
    res.json(records.map(attachmentView));
  });
  router.get("/:id", allow("read"), (req: Request<{ id: string }>, res) =>
    sendAttachment(platform, req, res, directDownload),
  );
  router.delete(
    "/:id",
    allow("delete"),
    async (req: Request<{ id: string }>, res) => {
      const deleted = await platform.attachments.delete(req.params.id);
      res.status(deleted ? 204 : 404).end();
    },
  );
  return router;
}
