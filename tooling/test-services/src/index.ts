export * from "./endpoints.js";
export * from "./redis-server.js";
export * from "./swift-admin.js";
