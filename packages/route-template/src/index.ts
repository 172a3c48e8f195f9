export {
  findRequestRecord,
  requestRecord,
  requestStartNs,
  responseEndNs,
  type RequestRecord,
} from "./request-timing.js";
export { routeTemplate, UNKNOWN_MOUNT } from "./route-template.js";
