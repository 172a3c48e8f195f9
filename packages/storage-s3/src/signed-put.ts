import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { encryptionParams } from "./encryption.js";

/**
 * A presigned PUT whose signature covers the content type and, when given, the exact
 * content length: S3 refuses (403 SignatureDoesNotMatch) a body of another size or type, so
 * a browser can send the bytes straight to the bucket and nothing else. The store's
 * server-side encryption is signed in as headers (the presigner never moves SSE headers to
 * the query string: S3 ignores them there), so the upload is encrypted like any other write
 * and refused without them; {@link encryptionHeaders} are the headers the client sends.
 */
export async function signPut(
  client: S3Client,
  target: { Bucket: string; Key: string },
  options: {
    expiresIn: number;
    contentType?: string;
    contentLength?: number;
    encryption?: ReturnType<typeof encryptionParams>;
  },
): Promise<string> {
  const { expiresIn, contentType, contentLength } = options;
  const command = new PutObjectCommand({
    ...target,
    ...options.encryption,
    ...(contentType === undefined ? {} : { ContentType: contentType }),
    ...(contentLength === undefined ? {} : { ContentLength: contentLength }),
  });
  const signed = new Set<string>();
  if (contentType !== undefined) signed.add("content-type");
  if (contentLength !== undefined) signed.add("content-length");
  for (const name of Object.keys(encryptionHeaders(options.encryption ?? {})))
    signed.add(name);
  return getSignedUrl(client, command, {
    expiresIn,
    signableHeaders: signed,
  });
}

/** The HTTP headers of {@link encryptionParams}: what a client sends with a signed PUT. */
export function encryptionHeaders(
  encryption: ReturnType<typeof encryptionParams>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (encryption.ServerSideEncryption !== undefined)
    headers["x-amz-server-side-encryption"] = encryption.ServerSideEncryption;
  if (encryption.SSEKMSKeyId !== undefined)
    headers["x-amz-server-side-encryption-aws-kms-key-id"] =
      encryption.SSEKMSKeyId;
  return headers;
}
