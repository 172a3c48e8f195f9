export { requestStartNs, responseEndNs } from "./request-timing.js";
export { routeTemplate, UNKNOWN_MOUNT } from "./route-template.js";
