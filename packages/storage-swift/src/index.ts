export { configureSwiftContainer, createSwiftStore } from "./swift-store.js";
export type {
  ContainerConfiguration,
  ContainerSettings,
} from "./temp-url-key.js";
export { swiftOptionsFromEnv } from "./options-from-env.js";
export type {
  SwiftEnvOptions,
  SwiftReadOnlyStoreOptions,
} from "./options-from-env.js";
export { SwiftConfigError, isSwiftConfigError } from "./errors.js";
export type { SwiftConfigProblem } from "./errors.js";
export type {
  KeystoneApplicationCredentialAuthOptions,
  KeystoneAuthOptions,
  SwiftAuthOptions,
  SwiftRetryOptions,
  SwiftStoreOptions,
  TempAuthOptions,
} from "./options.js";
