import { SwiftConfigError, type SwiftConfigProblem } from "./errors.js";
import type {
  ResolvedSwiftOptions,
  SwiftAuthOptions,
  SwiftStoreOptions,
} from "./options.js";

const DEFAULT_SEGMENT_SIZE = 100 * 1024 * 1024;

/** Swift's largest single object, and so the largest segment: 5 GiB. */
export const MAX_SEGMENT_SIZE = 5 * 1024 ** 3;

/** Why `name` is not a usable container name, or `undefined`. */
export function containerProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return "required";
  if (name.includes("/")) return 'must not contain "/"';
  if (Buffer.byteLength(name) > 240)
    return 'must be at most 240 bytes (the "_segments" container needs room)';
  return undefined;
}

/**
 * Fills in the defaults of {@link SwiftStoreOptions} and checks them.
 * @throws SwiftConfigError listing every problem found; values are never echoed.
 */
export function resolveSwiftOptions(
  options: SwiftStoreOptions,
): ResolvedSwiftOptions {
  const problems: SwiftConfigProblem[] = [];
  const add = (name: string, message: string | undefined): void => {
    if (message !== undefined) problems.push({ name, message });
  };
  add("container", containerProblem(options.container));
  for (const name of ["segmentSize", "largeObjectThreshold"] as const) {
    const value = options[name];
    if (
      value !== undefined &&
      !(Number.isSafeInteger(value) && value >= 1 && value <= MAX_SEGMENT_SIZE)
    ) {
      add(
        name,
        `must be a whole number of bytes between 1 and ${MAX_SEGMENT_SIZE}`,
      );
    }
  }
  authProblems(options.auth, add);
  if (
    options.tempUrlKey !== undefined &&
    (typeof options.tempUrlKey !== "string" || options.tempUrlKey === "")
  )
    add("tempUrlKey", "must be a non-empty string");
  if (problems.length > 0) throw new SwiftConfigError(problems);
  return {
    container: options.container,
    segmentsContainer: `${options.container}_segments`,
    segmentSize: options.segmentSize ?? DEFAULT_SEGMENT_SIZE,
    largeObjectThreshold: options.largeObjectThreshold ?? DEFAULT_SEGMENT_SIZE,
    createContainer: options.createContainer === true,
    tempUrlKey: options.tempUrlKey,
    containerTempUrlKey: options.containerTempUrlKey === true,
  };
}

function authProblems(
  auth: SwiftAuthOptions | undefined | null,
  add: (name: string, message: string | undefined) => void,
): void {
  if (typeof auth !== "object" || auth === null) return add("auth", "required");
  add("auth.authUrl", urlProblem(auth.authUrl));
  const type: unknown = auth.type;
  const required =
    type === "tempauth"
      ? ["user", "key"]
      : type === "keystone"
        ? ["username", "password", "projectName"]
        : type === "application-credential"
          ? applicationCredentialFields(auth)
          : undefined;
  if (!required)
    return add(
      "auth.type",
      'must be "keystone", "application-credential" or "tempauth"',
    );
  for (const field of required) {
    const value = (auth as unknown as Record<string, unknown>)[field];
    if (typeof value !== "string" || value === "")
      add(`auth.${field}`, "required");
  }
}

/** An application credential needs its secret, and its id or its name with the owner. */
function applicationCredentialFields(auth: SwiftAuthOptions): string[] {
  const { id } = auth as { id?: unknown };
  return typeof id === "string" && id !== ""
    ? ["secret"]
    : ["name", "username", "secret"];
}

/** Why `value` is not an http(s) URL, or `undefined`. */
export function urlProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return "required";
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      return "must be an http or https URL";
    if (url.username !== "" || url.password !== "")
      return "must not carry credentials";
  } catch {
    return "must be an http or https URL";
  }
  return undefined;
}
