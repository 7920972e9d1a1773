// A logger that drops everything, for tests that do not look at the logs.

import { createLogger, type Logger } from "../../src/observability/logger";

export const silentLogger: Logger = createLogger("error", () => {});
