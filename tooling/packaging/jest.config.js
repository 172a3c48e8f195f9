import { createJestConfig } from "@cloud-platform/jest-preset";

export default createJestConfig(import.meta.dirname);
