/** A Redis server reached directly by host and port. */
export interface StandaloneConnection {
  mode: "standalone";
  /** @default 'localhost' */
  host: string;
  /** @default 6379 */
  port: number;
  /** AUTH password. */
  password?: string | undefined;
}

/** A Redis server given by URL: `redis://[user:pass@]host[:port][/db]`, `rediss://` for TLS. */
export interface UrlConnection {
  mode: "url";
  url: string;
  /** AUTH password; wins over one embedded in the URL. */
  password?: string | undefined;
}

/** A Redis master found through Sentinel. */
export interface SentinelConnection {
  mode: "sentinel";
  /** Sentinel addresses (at least one). */
  sentinels: { host: string; port: number }[];
  /** The master group name the sentinels monitor. */
  masterName: string;
  /** AUTH password of the master (and its replicas), not of the sentinels. */
  password?: string | undefined;
}

/** How to reach Redis; what `redisSessionOptionsFromEnv()` maps the environment to. */
export type RedisConnectionOptions =
  StandaloneConnection | UrlConnection | SentinelConnection;

/** A connection description safe to print: no password, no URL credentials. */
export function describeConnection(connection: RedisConnectionOptions): string {
  switch (connection.mode) {
    case "standalone":
      return `redis ${connection.host}:${connection.port}`;
    case "url": {
      try {
        const url = new URL(connection.url);
        return `${url.protocol}//${url.host}`;
      } catch {
        return "redis (invalid URL)";
      }
    }
    case "sentinel":
      return `sentinel ${connection.masterName} via ${connection.sentinels
        .map((s) => `${s.host}:${s.port}`)
        .join(",")}`;
  }
}
