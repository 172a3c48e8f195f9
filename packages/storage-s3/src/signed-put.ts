import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/**
 * A presigned PUT whose signature covers the content type and, when given, the exact
 * content length: S3 refuses (403 SignatureDoesNotMatch) a body of another size or type, so
 * a browser can send the bytes straight to the bucket and nothing else.
 */
export async function signPut(
  client: S3Client,
  target: { Bucket: string; Key: string },
  options: { expiresIn: number; contentType?: string; contentLength?: number },
): Promise<string> {
  const { expiresIn, contentType, contentLength } = options;
  const command = new PutObjectCommand({
    ...target,
    ...(contentType === undefined ? {} : { ContentType: contentType }),
    ...(contentLength === undefined ? {} : { ContentLength: contentLength }),
  });
  const signed = new Set<string>();
  if (contentType !== undefined) signed.add("content-type");
  if (contentLength !== undefined) signed.add("content-length");
  return getSignedUrl(client, command, {
    expiresIn,
    signableHeaders: signed,
  });
}
