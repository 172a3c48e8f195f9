import type { RedisConnectionOptions } from "./connection-options.js";
import {
  createRedisClient,
  type CreateRedisClientOptions,
} from "./create-redis-client.js";
import { RedisSessionStore } from "./store.js";
import type { RedisSessionStoreOptions } from "./store-options.js";

/**
 * Options of {@link createRedisSessionStore}: the store's options, with either a `client`
 * you own, or `connection` options from which the store builds (and owns) its client.
 */
export type CreateRedisSessionStoreOptions = Omit<
  RedisSessionStoreOptions,
  "client" | "ownsClient"
> &
  (
    | { client: RedisSessionStoreOptions["client"]; connection?: never }
    | {
        /** Where Redis is, e.g. `redisSessionOptionsFromEnv(env).connection`. */
        connection: RedisConnectionOptions;
        /** Tuning of the created client (its `commandTimeout` defaults to the store's). */
        clientOptions?: CreateRedisClientOptions | undefined;
        client?: never;
      }
  );

/**
 * Builds a {@link RedisSessionStore}. Client ownership as in fastify-redis/connect-redis: a
 * `client` you pass stays yours (`store.close()` leaves it open); a client built from
 * `connection` belongs to the store and `store.close()` closes it.
 * @throws {RedisSessionError} `E_INVALID_OPTION` when an option is invalid.
 */
export function createRedisSessionStore(
  options: CreateRedisSessionStoreOptions,
): RedisSessionStore {
  if (options.client !== undefined)
    return new RedisSessionStore({ ...options, client: options.client });
  const { connection, clientOptions, ...storeOptions } = options;
  const client = createRedisClient(connection, {
    commandTimeout: storeOptions.commandTimeout ?? 1000,
    ...clientOptions,
  });
  try {
    return new RedisSessionStore({ ...storeOptions, client, ownsClient: true });
  } catch (err) {
    client.disconnect();
    throw err;
  }
}
