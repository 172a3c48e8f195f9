import express, {
  type Request,
  type RequestHandler,
  type Router,
} from "express";
import type { Attachments } from "@cloud-platform/storage-core";
import type { Logger } from "@cloud-platform/logging-json";
import { BadRequestError } from "./attachment-upload.js";
import { attachmentView } from "./attachment-view.js";

/** How often a process sweeps expired pending uploads, at most. */
const SWEEP_EVERY_MS = 60_000;

function declared(body: unknown): {
  name: string;
  mimetype: string;
  size: number;
  checksum?: string;
} {
  const b = (body ?? {}) as Record<string, unknown>;
  if (
    typeof b.name !== "string" ||
    typeof b.mimetype !== "string" ||
    typeof b.size !== "number" ||
    (b.checksum !== undefined && typeof b.checksum !== "string")
  )
    throw new BadRequestError(
      'body must be JSON {"name", "mimetype", "size", "checksum"?}',
    );
  return {
    name: b.name,
    mimetype: b.mimetype,
    size: b.size,
    ...(typeof b.checksum === "string" ? { checksum: b.checksum } : {}),
  };
}

/**
 * The direct-upload routes: `POST /uploads` (declare → a signed PUT, or `direct: false`),
 * `POST /uploads/:id/complete` (verify → 201 the attachment), `DELETE /uploads/:id`.
 */
export function mountDirectUploads(
  router: Router,
  deps: { attachments: Attachments; logger: Logger },
  options: {
    allow: RequestHandler;
    uploadLimit: number | undefined;
    expiresIn: number;
  },
): void {
  let lastSweep = 0;
  const sweep = (): void => {
    if (Date.now() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = Date.now();
    deps.attachments.collectExpiredUploads().catch((error: unknown) => {
      deps.logger.warn("collecting expired uploads failed", { error });
    });
  };
  router.post(
    "/uploads",
    options.allow,
    express.json({ limit: "16kb" }),
    async (req, res) => {
      sweep();
      const input = declared(req.body);
      if (options.uploadLimit !== undefined && input.size > options.uploadLimit)
        throw new BadRequestError(
          `size is over the limit of ${options.uploadLimit} bytes`,
          413,
        );
      const offer = await deps.attachments.createUpload({
        ...input,
        expiresIn: options.expiresIn,
      });
      res.status(offer.direct ? 201 : 200).json(offer);
    },
  );
  router.post(
    "/uploads/:id/complete",
    options.allow,
    async (req: Request<{ id: string }>, res) => {
      const record = await deps.attachments.completeUpload(req.params.id);
      res
        .status(201)
        .location(`${req.baseUrl}/${record.id}`)
        .json(attachmentView(record));
    },
  );
  router.delete(
    "/uploads/:id",
    options.allow,
    async (req: Request<{ id: string }>, res) => {
      const cancelled = await deps.attachments.cancelUpload(req.params.id);
      res.status(cancelled ? 204 : 404).end();
    },
  );
}
