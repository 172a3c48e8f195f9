import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

/**
 * Connections kept open between requests, per scheme: the store talks to a few hosts (the
 * identity service, the proxy), request after request.
 */
const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Statuses whose response has no body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const error = new Error("This operation was aborted", { cause: reason });
  error.name = "AbortError";
  return error;
}

function headerRecord(
  headers: RequestInit["headers"],
): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  new Headers(headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function responseHeaders(incoming: http.IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    headers.append(raw[i] ?? "", raw[i + 1] ?? "");
  return headers;
}

/**
 * The store's default `fetch`: the subset of `fetch` the Swift client and the identity
 * services use (method, headers, a string, buffer or web-stream body, a signal; no
 * redirects), over `node:http`/`node:https`, answering a standard `Response`.
 *
 * Why not the global `fetch`: its HTTP parser (undici's llhttp, WebAssembly) costs every
 * process about 30 MB of resident memory from its first request on (Node 20: a process
 * that sends 200 requests peaks at 89 MB with `fetch`, 60 MB with this), and the Swift
 * store lives in every front-end. Streams flow with back-pressure both ways: a request
 * body is read only as fast as the socket takes it.
 */
export async function httpFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  if (input instanceof Request)
    throw new TypeError("httpFetch takes a URL and an init, not a Request");
  const url = new URL(input);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TypeError(`httpFetch: unsupported protocol ${url.protocol}`);
  const agent = agents[url.protocol];
  const { signal } = init;
  if (signal?.aborted) throw abortError(signal);
  const headers = headerRecord(init.headers);
  const body = init.body;
  let source: Readable | undefined;
  let bytes: Buffer | undefined;
  if (body === undefined || body === null) {
    // No body: nothing to send.
  } else if (typeof body === "string") bytes = Buffer.from(body);
  else if (body instanceof ArrayBuffer) bytes = Buffer.from(body);
  else if (ArrayBuffer.isView(body))
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  else if (body instanceof ReadableStream)
    source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  else throw new TypeError("httpFetch: unsupported body type");
  if (bytes !== undefined && headers["content-length"] === undefined)
    headers["content-length"] = String(bytes.length);
  const send = url.protocol === "https:" ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const request = send(url, {
      method: init.method ?? "GET",
      headers,
      agent,
    });
    const onAbort = (): void => {
      const error = signal ? abortError(signal) : new Error("aborted");
      request.destroy(error);
      source?.destroy(error);
      fail(error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.once("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      source?.destroy();
      fail(
        signal?.aborted
          ? abortError(signal)
          : new TypeError("fetch failed", { cause: error }),
      );
    });
    request.once("response", (incoming) => {
      settled = true;
      const status = incoming.statusCode ?? 0;
      const responseBody = NO_BODY.has(status)
        ? null
        : (Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>);
      if (responseBody === null) incoming.resume();
      // The signal keeps aborting the body as it is read, as with fetch.
      incoming.once("close", () =>
        signal?.removeEventListener("abort", onAbort),
      );
      resolve(
        new Response(responseBody, {
          status,
          statusText: incoming.statusMessage ?? "",
          headers: responseHeaders(incoming),
        }),
      );
    });
    if (source) {
      source.once("error", (error) => request.destroy(error));
      source.pipe(request);
    } else request.end(bytes);
  });
}
