export { createApp, requireLogin } from "./app.js";
export { attachmentsRouter } from "./attachments.js";
export { parseRange } from "./range.js";
export { BadRequestError, receiveUpload } from "./upload.js";
