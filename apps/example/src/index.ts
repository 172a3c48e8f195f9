export { createApp, requireLogin } from "./app.js";
