import type { PlatformValues, StoreValues } from "../platform-values.js";
import type { AttachmentLocation, PlatformKind } from "../report.js";

/** The variables of one object store. */
export interface StoreSpec {
  /** The `attachment.location` value that writes to this store. */
  location: "s3" | "swift";
  kind: PlatformKind;
  /** `bucket` or `container`, for messages. */
  noun: string;
  /** The write bucket/container variable. */
  nameVariable: string;
  /** The variable that skips the prod name-shape check. */
  unstructuredVariable: string;
  /** This store's part of the parsed configuration. */
  values: (values: PlatformValues) => StoreValues;
}

/** Exoscale's S3 store. */
export const S3_STORE: StoreSpec = {
  location: "s3",
  kind: "exoscale",
  noun: "bucket",
  nameVariable: "AWS_BUCKETNAME",
  unstructuredVariable: "AWS_BUCKETNAME_UNSTRUCTURED",
  values: (values) => values.s3,
};

/** OVH's Swift store. */
export const SWIFT_STORE: StoreSpec = {
  location: "swift",
  kind: "ovh",
  noun: "container",
  nameVariable: "SWIFT_WRITE_CONTAINER",
  unstructuredVariable: "SWIFT_WRITE_CONTAINER_UNSTRUCTURED",
  values: (values) => values.swift,
};

/** The object store of a kind. */
export function storeOfKind(
  kind: PlatformKind | undefined,
): StoreSpec | undefined {
  if (kind === "exoscale") return S3_STORE;
  if (kind === "ovh") return SWIFT_STORE;
  return undefined;
}

/** The object store a location writes to (`undefined` for `file` and `db`). */
export function storeOfLocation(
  location: AttachmentLocation,
): StoreSpec | undefined {
  if (location === "s3") return S3_STORE;
  if (location === "swift") return SWIFT_STORE;
  return undefined;
}
