import { describe, expect, test } from "bun:test";
import { page } from "./results";
import { Router } from "./router";

const ok = () => page("x", { text: "" } as never);

describe("Router", () => {
  const router = new Router()
    .get("/dashboard/endpoints/new", "POST /v1/webhooks", ok)
    .get("/dashboard/endpoints/:id", "GET /v1/webhooks/:id", ok)
    .post("/dashboard/endpoints/:id", ["PUT /v1/webhooks/:id"], ok)
    .publicGet("/dashboard/sign-in", ok);

  test("a static segment wins over a parameter, whatever the order of registration", () => {
    const found = router.match("GET", "/dashboard/endpoints/new");
    expect("route" in found && found.route.path).toBe("/dashboard/endpoints/new");
    const param = router.match("GET", "/dashboard/endpoints/wh_1");
    expect("route" in param && param.params).toEqual({ id: "wh_1" });
  });

  test("parameters are decoded; a malformed escape matches nothing", () => {
    const found = router.match("GET", "/dashboard/endpoints/a%20b");
    expect("route" in found && found.params.id).toBe("a b");
    expect(router.match("GET", "/dashboard/endpoints/%E0%A4%A")).toEqual({ allowed: [] });
  });

  test("a known path with another method answers the methods it has; an unknown one none", () => {
    expect(router.match("POST", "/dashboard/sign-in")).toEqual({ allowed: ["GET"] });
    expect(router.match("GET", "/dashboard/nowhere")).toEqual({ allowed: [] });
  });

  test("public routes have no /v1 route; signed-in routes keep theirs", () => {
    const pub = router.match("GET", "/dashboard/sign-in");
    expect("route" in pub && pub.route.api).toBeUndefined();
    const put = router.match("POST", "/dashboard/endpoints/wh_1");
    expect("route" in put && put.route.api).toEqual(["PUT /v1/webhooks/:id"]);
  });

  test("registration refuses what would be a mistake", () => {
    expect(() => new Router().get("/dashboard/x", "GET /webhooks", ok)).toThrow("METHOD /v1/path");
    expect(() => new Router().get("/dashboard/x", [], ok)).toThrow("at least one");
    expect(() => new Router().get("/elsewhere", "GET /v1/webhooks", ok)).toThrow("under /dashboard");
    expect(() => new Router().publicGet("/dashboard/a", ok).publicGet("/dashboard/a", ok)).toThrow("twice");
  });
});
