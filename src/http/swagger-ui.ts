// Swagger UI over the OpenAPI document, with every asset served by this process: the page must
// work offline and in air-gapped installs, so nothing is fetched from a CDN. The `with { type:
// "file" }` imports are how `bun build --compile` embeds the files into the binary.

import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import favicon from "swagger-ui-dist/favicon-32x32.png" with { type: "file" };
import css from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { ApiError } from "./api-error";
import { prepareForClients, setServers } from "./client-generation-in-spec";
import { nameComponentSchemas } from "./component-schemas-in-spec";
import { markDeprecatedParameters } from "./deprecated-parameters-in-spec";
import { markOptionalBodies } from "./optional-bodies-in-spec";
import { markRequiredScopes } from "./route-scopes-in-spec";

export const SWAGGER_PATH = "/swagger";
export const SPEC_PATH = "/swagger/json";
const ASSETS = `${SWAGGER_PATH}/assets`;

const assets: Record<string, { path: string; type: string }> = {
  "swagger-ui-bundle.js": { path: bundle as unknown as string, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { path: css as unknown as string, type: "text/css; charset=utf-8" },
  "favicon-32x32.png": { path: favicon as unknown as string, type: "image/png" },
};

function serveAsset(name: string): Response | undefined {
  const asset = assets[name];
  if (!asset) return undefined;
  return new Response(Bun.file(asset.path), {
    headers: { "content-type": asset.type, "cache-control": "public, max-age=86400" },
  });
}

/**
 * Documents already corrected in place: the generator answers the same object until the routes
 * change, so each is corrected once; only `servers` depends on the request.
 */
const corrected = new WeakSet<object>();

export function swaggerUi(info: { version: string; publicUrl: string | undefined }) {
  return new Elysia({ name: "swagger-ui" })
    .onAfterHandle(({ path, request, response }) => {
      if (path !== SPEC_PATH) return;
      if (typeof response === "object" && response !== null && !corrected.has(response)) {
        corrected.add(response);
        markOptionalBodies(response);
        markDeprecatedParameters(response);
        markRequiredScopes(response);
        prepareForClients(response);
        nameComponentSchemas(response);
      }
      setServers(response, request, info.publicUrl);
    })
    .use(
      openapi({
        provider: "swagger-ui",
        path: SWAGGER_PATH,
        specPath: SPEC_PATH,
        documentation: {
          info: {
            title: "Inbox Webhooks",
            version: info.version,
            description:
              "Self-hosted webhook delivery for the Inbox platform. Authorize with an API key (Bearer) to try every endpoint.",
          },
          tags: [
            { name: "Webhooks", description: "Register endpoints, send test events, read delivery logs." },
            { name: "Events", description: "Publish events and follow their deliveries." },
            { name: "Deliveries", description: "One delivery with its attempts; manual retry." },
            { name: "Event types", description: "The catalog of event types." },
            { name: "Keys", description: "An account's own API keys, with one of its manage keys." },
            { name: "Accounts", description: "Admin key only: accounts and API keys." },
            { name: "System", description: "Liveness and metrics." },
          ],
          components: {
            securitySchemes: {
              bearerAuth: {
                type: "http",
                scheme: "bearer",
                description: "An account API key or the admin key.",
              },
            },
          },
          security: [{ bearerAuth: [] }],
        },
        swagger: {
          cdn: `${ASSETS}/swagger-ui-bundle.js`,
          theme: `${ASSETS}/swagger-ui.css`,
          persistAuthorization: true,
          // The default validator badge calls validator.swagger.io; keep the page fully local.
          validatorUrl: "none",
          // An absolute spec URL works whether the page is opened as /swagger or /swagger/.
          url: SPEC_PATH,
        } as Record<string, unknown>,
      }),
    )
    .get(
      `${ASSETS}/:name`,
      ({ params }) => {
        const response = serveAsset(params.name);
        if (!response) throw ApiError.notFound("asset");
        return response;
      },
      {
        detail: { hide: true },
      },
    )
    .get("/favicon.ico", () => serveAsset("favicon-32x32.png"), { detail: { hide: true } });
}
