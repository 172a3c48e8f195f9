import { createHash, randomBytes } from "node:crypto";

/** What the API answers for an attachment. */
export interface AttachmentView {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  checksum: string;
  location: string;
}

/** The `name=value` of the session cookie a response sets, or undefined. */
export function sessionCookie(response: Response): string | undefined {
  const cookie = response.headers
    .getSetCookie()
    .find((c) => c.startsWith("session_id="));
  return cookie?.split(";")[0];
}

/** Logs in through `baseUrl` and returns the session cookie. */
export async function login(baseUrl: string, name: string): Promise<string> {
  const response = await fetch(`${baseUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: name }),
  });
  const body = await response.text();
  if (response.status !== 200)
    throw new Error(`login failed: ${response.status} ${body}`);
  const cookie = sessionCookie(response);
  if (cookie === undefined) throw new Error("login set no session cookie");
  return cookie;
}

/** A request with the session cookie. */
export function call(
  baseUrl: string,
  path: string,
  cookie: string | undefined,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (cookie !== undefined) headers.set("cookie", cookie);
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}

/** `GET /me`: the status, and the login when there is one. */
export async function me(
  baseUrl: string,
  cookie: string | undefined,
): Promise<{ status: number; login?: string }> {
  const response = await call(baseUrl, "/me", cookie);
  const body = (await response.json()) as { login?: string };
  return body.login === undefined
    ? { status: response.status }
    : { status: response.status, login: body.login };
}

/** A raw upload (`X-Filename`, percent-encoded). */
export async function uploadRaw(
  baseUrl: string,
  cookie: string,
  name: string,
  mimetype: string,
  bytes: Buffer,
): Promise<AttachmentView> {
  const response = await call(baseUrl, "/attachments", cookie, {
    method: "POST",
    headers: {
      "content-type": mimetype,
      "x-filename": encodeURIComponent(name),
    },
    body: bytes,
  });
  return created(response);
}

/** A `multipart/form-data` upload of the field `file`. */
export async function uploadMultipart(
  baseUrl: string,
  cookie: string,
  name: string,
  mimetype: string,
  bytes: Buffer,
): Promise<AttachmentView> {
  const form = new FormData();
  form.set("file", new Blob([bytes], { type: mimetype }), name);
  return created(
    await call(baseUrl, "/attachments", cookie, { method: "POST", body: form }),
  );
}

async function created(response: Response): Promise<AttachmentView> {
  const text = await response.text();
  if (response.status !== 201)
    throw new Error(`upload failed: ${response.status} ${text}`);
  return JSON.parse(text) as AttachmentView;
}

/** Downloads an attachment whole. */
export async function download(
  baseUrl: string,
  cookie: string,
  id: string,
): Promise<{ response: Response; bytes: Buffer }> {
  const response = await call(baseUrl, `/attachments/${id}`, cookie);
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** SHA-256 in hex. */
export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Random bytes (different on every run). */
export function randomBody(size: number): Buffer {
  return randomBytes(size);
}
