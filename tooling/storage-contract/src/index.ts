export { describeStoreContract } from "./contract.js";
export type { StoreContractOptions } from "./contract.js";
export {
  garbageCollector,
  patternStream,
  sha256Hex,
  sampleRss,
} from "./helpers.js";
