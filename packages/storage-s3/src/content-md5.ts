import { createHash } from "node:crypto";

interface BuildArgs {
  request?: { headers?: Record<string, string>; body?: unknown };
}

const CHECKSUM_HEADER = /^x-amz-(checksum-|sdk-checksum-algorithm)/i;

/**
 * A build-step middleware that replaces the flexible-checksum headers of a request with
 * `Content-MD5`. DeleteObjects requires an integrity header; the SDK now sends
 * `x-amz-checksum-crc32`, which servers predating flexible checksums (Swift s3api, older Ceph)
 * do not know, so they answer 400 "Missing required header: Content-MD5".
 */
export const contentMd5Middleware =
  <Input, Output>(next: (args: Input) => Promise<Output>) =>
  async (args: Input): Promise<Output> => {
    const request = (args as BuildArgs).request;
    const body = request?.body;
    if (
      request?.headers &&
      (typeof body === "string" || body instanceof Uint8Array)
    ) {
      const headers = request.headers;
      for (const name of Object.keys(headers)) {
        if (CHECKSUM_HEADER.test(name)) Reflect.deleteProperty(headers, name);
      }
      headers["content-md5"] = createHash("md5").update(body).digest("base64");
    }
    return next(args);
  };

/** Where {@link contentMd5Middleware} goes in a command's middleware stack. */
export const contentMd5MiddlewareOptions = {
  step: "build",
  name: "cloudPlatformContentMd5",
  priority: "low",
} as const;
