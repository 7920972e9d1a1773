// What every route module receives from createHttpApp.

import type { Services } from "../../domain/services";
import type { authentication } from "../auth";

export interface RouteContext {
  services: Services;
  auth: ReturnType<typeof authentication>;
}
