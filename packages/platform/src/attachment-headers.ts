import type { Response } from "express";

/**
 * What every attachment response carries, whatever the stored type: the browser must not
 * sniff a type (`nosniff`), and a stored HTML or SVG file opened anyway runs as an opaque
 * origin with no script, style, frame or fetch (`sandbox`, `default-src 'none'`), so a file a
 * user uploaded can never act as the app's origin.
 */
export const ATTACHMENT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; sandbox",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Referrer-Policy": "no-referrer",
};

/** The name with lone surrogates (unencodable, `setHeader`-breaking) replaced by U+FFFD. */
function wellFormed(name: string): string {
  return name.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD",
  );
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266,
 * RFC 8187): the fallback keeps printable ASCII but `"` and `\`; the extended value encodes
 * everything outside RFC 8187's attr-char (`'`, `(`, `)`, `*` included), so no name can end
 * the header value early or inject a parameter.
 */
export function contentDisposition(name: string): string {
  const safe = wellFormed(name);
  const ascii = safe.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(safe).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A media type a header can carry (`type/subtype` and parameters), else octet-stream. */
export function safeContentType(mimetype: string): string {
  return /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\r\n]*"|[\w!#$&^.+-]+))*$/.test(
    mimetype,
  )
    ? mimetype
    : "application/octet-stream";
}

/** Sets the hardening headers, the content type and the disposition of one attachment. */
export function setAttachmentHeaders(
  res: Response,
  file: { name: string; mimetype: string },
): void {
  for (const [header, value] of Object.entries(ATTACHMENT_SECURITY_HEADERS))
    res.setHeader(header, value);
  res.setHeader("Content-Type", safeContentType(file.mimetype));
  res.setHeader("Content-Disposition", contentDisposition(file.name));
}
