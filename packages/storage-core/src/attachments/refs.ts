import { StorageError, StorageErrorCode } from "../errors.js";
import { keyProblem } from "../keys.js";

/** The ref schemes an attachment's bytes can live under. */
export type RefScheme = "file" | "db" | "s3" | "swift";

/** A parsed store ref: where an attachment's bytes live. */
export interface StoreRef {
  scheme: RefScheme;
  /** Bucket (s3) or container (swift); absent for `file` and `db`. */
  container?: string;
  /** The object key inside that store. */
  key: string;
}

const OBJECT_REF = /^(s3|swift):\/\/([^/]+)\/(.+)$/s;
const LOCAL_REF = /^(file|db):(.+)$/s;

function invalid(ref: string, why: string): StorageError {
  return new StorageError(
    StorageErrorCode.InvalidArgument,
    `invalid store ref ${JSON.stringify(ref.slice(0, 200))}: ${why}`,
  );
}

/**
 * Parses `s3://<bucket>/<key>`, `swift://<container>/<key>`, `file:<key>` or `db:<key>`.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` for an unknown scheme or a malformed ref (the key
 *   must follow the key rules).
 */
export function parseRef(ref: string): StoreRef {
  if (typeof ref !== "string")
    throw invalid(String(ref), "a ref must be a string");
  const object = OBJECT_REF.exec(ref);
  const local = object ? null : LOCAL_REF.exec(ref);
  const match = object ?? local;
  if (!match) {
    const scheme = /^([a-z0-9+.-]*):/i.exec(ref)?.[1];
    throw invalid(
      ref,
      scheme === undefined
        ? "no scheme"
        : `unknown scheme "${scheme}" (expected s3, swift, file or db)`,
    );
  }
  const [, scheme = "", first = "", second = ""] = match;
  const key = object ? second : first;
  const problem = keyProblem(key);
  if (problem !== undefined) throw invalid(ref, problem);
  if (object) return { scheme: scheme as RefScheme, container: first, key };
  return { scheme: scheme as RefScheme, key };
}

/**
 * The ref string of a location and key: the inverse of {@link parseRef}.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` when an object-store ref has no container or a
 *   local one has one.
 */
export function formatRef(ref: StoreRef): string {
  const { scheme, container, key } = ref;
  if (scheme === "s3" || scheme === "swift") {
    if (
      container === undefined ||
      container === "" ||
      container.includes("/")
    ) {
      throw invalid(
        `${scheme}://${container ?? ""}/${key}`,
        "an object-store ref needs a bucket/container",
      );
    }
    return `${scheme}://${container}/${key}`;
  }
  if (container !== undefined)
    throw invalid(`${scheme}:${key}`, `a ${scheme} ref has no container`);
  return `${scheme}:${key}`;
}

/**
 * The location part of a ref, used to group and select attachments: `file`, `db`,
 * `s3://<bucket>` or `swift://<container>`.
 */
export function refLocation(ref: StoreRef): string {
  return ref.container === undefined
    ? ref.scheme
    : `${ref.scheme}://${ref.container}`;
}
