import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy a test owns in front of a server it must not touch; it can cut and restore it. */
export interface TcpProxy {
  port: number;
  /** Bytes forwarded from clients to the server so far. */
  readonly upstreamBytes: number;
  /** Calls `fn` once, as soon as more than `bytes` have been forwarded upstream. */
  onUpstreamBytes(bytes: number, fn: () => void): void;
  /** Stops listening and destroys every connection: the server looks dead. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let upstreamBytes = 0;
  const watchers: { bytes: number; fn: () => void }[] = [];
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const onConnection = (client: Socket): void => {
    const upstream = connect(targetPort, "127.0.0.1");
    track(client);
    track(upstream);
    client.on("data", (chunk: Buffer) => {
      upstreamBytes += chunk.length;
      for (const w of watchers
        .splice(0)
        .filter((x) => (upstreamBytes > x.bytes ? (x.fn(), false) : true)))
        watchers.push(w);
    });
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  let server: Server = createServer(onConnection);
  const listen = async (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  const port = await listen(0);
  const cut = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) =>
      server.close(() => resolve()),
    );
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    get upstreamBytes() {
      return upstreamBytes;
    },
    onUpstreamBytes: (bytes, fn) => watchers.push({ bytes, fn }),
    cut,
    restore: async () => {
      server = createServer(onConnection);
      await listen(port);
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };
}
