import {
  GetObjectCommand,
  HeadObjectCommand,
  type GetObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";

/** A GetObject body on Node: a `Readable` with the SDK's collectors. */
export type ObjectBody = Readable & {
  transformToByteArray(): Promise<Uint8Array>;
};

const emptyBody = (): ObjectBody =>
  Object.assign(Readable.from([]), {
    transformToByteArray: () => Promise.resolve(new Uint8Array(0)),
  });

/**
 * Sends GetObject and resolves once the server answered, with the body still to be read.
 * Aborting `signal` cancels the request and destroys the body. A ranged read of an empty
 * object gives an empty body (S3 answers 416 there, but the store contract clips ranges to
 * the object and only a start past the end of a non-empty object is invalid).
 */
export async function openObject(
  client: S3Client,
  input: GetObjectCommandInput,
  signal?: AbortSignal,
  ranged = false,
): Promise<ObjectBody> {
  let out;
  try {
    out = await client.send(
      new GetObjectCommand(input),
      signal ? { abortSignal: signal } : {},
    );
  } catch (error) {
    if (
      ranged &&
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode === 416
    ) {
      const head = await client.send(
        new HeadObjectCommand({ Bucket: input.Bucket, Key: input.Key }),
      );
      if (head.ContentLength === 0) return emptyBody();
    }
    throw error;
  }
  const body = out.Body as ObjectBody | undefined;
  if (!body) return emptyBody();
  if (signal) {
    const onAbort = (): void => {
      body.destroy(
        Object.assign(new Error("read aborted"), {
          name: "AbortError",
          cause: signal.reason as unknown,
        }),
      );
    };
    signal.addEventListener("abort", onAbort, { once: true });
    body.once("close", () => signal.removeEventListener("abort", onAbort));
  }
  return body;
}
