import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { SignedUrlOptions } from "@cloud-platform/storage-core";
import type { encryptionParams } from "./encryption.js";
import { signPut } from "./signed-put.js";

/**
 * A presigned (SigV4 query-string) URL: GET answers with the given content type and
 * disposition; PUT requires the given content type. Signed locally, no request is sent.
 */
export async function signUrl(
  client: S3Client,
  target: { Bucket: string; Key: string },
  options: SignedUrlOptions,
  encryption: ReturnType<typeof encryptionParams> = {},
): Promise<string> {
  const {
    method = "GET",
    expiresIn = 900,
    contentType,
    contentDisposition,
  } = options;
  if (method === "PUT")
    return signPut(client, target, {
      expiresIn,
      encryption,
      ...(contentType ? { contentType } : {}),
      ...(options.contentLength === undefined
        ? {}
        : { contentLength: options.contentLength }),
    });
  const command = new GetObjectCommand({
    ...target,
    ...(contentType ? { ResponseContentType: contentType } : {}),
    ...(contentDisposition
      ? { ResponseContentDisposition: contentDisposition }
      : {}),
  });
  return getSignedUrl(client, command, { expiresIn });
}
