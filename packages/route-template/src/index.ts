export { routeTemplate, UNKNOWN_MOUNT } from "./route-template.js";
