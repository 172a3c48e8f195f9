import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type Server,
} from "node:http";

/** An HTTP proxy a test owns in front of the real server: it forwards and remembers requests. */
export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`, to use as the endpoint. */
  endpoint: string;
  /** Method, path and headers of every request forwarded so far. */
  readonly requests: {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
  }[];
  close(): Promise<void>;
}

/** Starts a recording proxy on a free loopback port forwarding to `target` (an http URL). */
export async function startRecordingProxy(
  target: string,
): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordingProxy["requests"] = [];
  const server: Server = createServer((req, res) => {
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
    });
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
