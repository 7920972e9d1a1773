// What every route module receives from createHttpApp.

import type { Services } from "../../domain/services";
import type { Authentication } from "../auth";

export interface RouteContext {
  services: Services;
  auth: Authentication["principal"];
  /** config.publicUrl: the origin of URLs the API hands out (portal links); see ../public-url.ts. */
  publicUrl: string | undefined;
}
