import { describeKillTest } from "./kill-scenario.js";

describeKillTest("sqlite");
