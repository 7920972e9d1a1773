// Every dashboard route, registered on one router. A page module exports a function taking the
// router (and what it needs of the shell); add it here with one line.

import type { DashboardDeps } from "./dashboard-app";
import { accountRoutes } from "./pages/account";
import { accountsRoutes } from "./pages/accounts";
import { assetRoutes } from "./pages/assets";
import { deliveryPageRoutes } from "./pages/delivery-routes";
import { endpointRoutes } from "./pages/endpoints";
import { entryRoutes } from "./pages/portal";
import { signInRoutes } from "./pages/sign-in";
import { systemRoutes } from "./pages/system";
import type { Router } from "./router";
import { SignInLimiter } from "./sign-in-limiter";

export function registerRoutes(router: Router, deps: DashboardDeps): void {
  assetRoutes(router);
  entryRoutes(router);
  signInRoutes(router, new SignInLimiter());
  endpointRoutes(router);
  deliveryPageRoutes(router);
  accountsRoutes(router);
  accountRoutes(router);
  systemRoutes(router, {
    version: deps.version,
    startedAt: deps.now(),
    figures: () => deps.store.figures(),
    health: () => deps.store.health(),
    inFlight: () => deps.delivery.inFlight(),
  });
}
