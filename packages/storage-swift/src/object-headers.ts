import type { PutOptions } from "@cloud-platform/storage-core";

/** The headers that carry an object's content type and user metadata (`X-Object-Meta-*`). */
export function objectHeaders(options: PutOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/octet-stream",
  };
  for (const [name, value] of Object.entries(options.metadata ?? {}))
    headers[`x-object-meta-${name}`] = value;
  return headers;
}
