import type { ResolvedS3Options } from "./options.js";

/**
 * The server-side encryption parameters of a write (PutObject, CreateMultipartUpload,
 * CopyObject): UploadPart needs none, the upload carries them from its creation.
 */
export function encryptionParams(o: ResolvedS3Options): {
  ServerSideEncryption?: NonNullable<ResolvedS3Options["serverSideEncryption"]>;
  SSEKMSKeyId?: string;
} {
  if (o.serverSideEncryption === undefined) return {};
  return {
    ServerSideEncryption: o.serverSideEncryption,
    ...(o.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: o.sseKmsKeyId }),
  };
}
