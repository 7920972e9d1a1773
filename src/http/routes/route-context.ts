// What every route module receives from createHttpApp.

import type { Services } from "../../domain/services";
import type { Authentication } from "../auth";

export interface RouteContext {
  services: Services;
  auth: Authentication["principal"];
}
