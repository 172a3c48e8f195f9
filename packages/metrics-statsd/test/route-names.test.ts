import { describe, expect, it } from "@jest/globals";
import express from "express";
import {
  routeTemplate,
  statsdRouteName,
  UNKNOWN_MOUNT,
} from "@cloud-platform/metrics-statsd";
import { listen } from "./helpers.js";

describe("statsdRouteName", () => {
  it("turns path segments into dot-separated, statsd-safe segments", () => {
    expect(statsdRouteName("/attachments/:id")).toBe("attachments._id");
    expect(statsdRouteName("/v1.2/files/*path")).toBe("v1_2.files._path");
    expect(statsdRouteName("/a b/x|y@z/{:opt}")).toBe("a_b.x_y_z.__opt_");
  });

  it("names the root route and the unmatched requests with fixed names", () => {
    expect(statsdRouteName("/")).toBe("root");
    expect(statsdRouteName(undefined)).toBe("unmatched");
  });
});

/** Requests `paths` on an app built by `build`, and returns the template seen for each. */
async function templates(
  build: (app: express.Express) => void,
  paths: string[],
): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  const app = express();
  app.use((req, res, next) => {
    res.once("finish", () => seen.push(routeTemplate(req)));
    next();
  });
  build(app);
  const running = await listen(app);
  try {
    for (const path of paths)
      await (await fetch(running.base + path)).arrayBuffer();
  } finally {
    await running.close();
  }
  return seen;
}

const ok: express.RequestHandler = (_req, res) => void res.send("ok");

describe("routeTemplate on a real Express 5 app", () => {
  it("gives the template of the matched route and undefined when none matched", async () => {
    const seen = await templates(
      (app) => {
        app.get("/", ok);
        app.get("/attachments/:id", ok);
      },
      ["/", "/attachments/9", "/attachments/9/extra", "/unknown"],
    );
    expect(seen).toEqual(["/", "/attachments/:id", undefined, undefined]);
  });

  it("uses the mount templates of nested routers, never the raw values of baseUrl", async () => {
    const seen = await templates(
      (app) => {
        const comments = express.Router();
        comments.get("/:commentId", ok);
        const posts = express.Router();
        posts.use("/posts/:postId/comments", comments);
        posts.get("/", ok);
        app.use("/users/:userId", posts);
      },
      ["/users/1/posts/2/comments/3", "/users/7"],
    );
    expect(seen).toEqual([
      "/users/:userId/posts/:postId/comments/:commentId",
      "/users/:userId",
    ]);
  });

  it("tells apart the mounts of a router mounted at several paths", async () => {
    const seen = await templates(
      (app) => {
        const shared = express.Router();
        shared.get("/items/:id", ok);
        app.use("/shop/:shopId", shared);
        app.use("/archive", shared);
      },
      ["/archive/items/1", "/shop/5/items/2"],
    );
    expect(seen).toEqual(["/archive/items/:id", "/shop/:shopId/items/:id"]);
  });

  it("prefixes the routes of a mounted sub-app with its mount path", async () => {
    const seen = await templates(
      (app) => {
        const admin = express();
        admin.get("/users/:id", ok);
        app.use("/admin", admin);
      },
      ["/admin/users/3"],
    );
    expect(seen).toEqual(["/admin/users/:id"]);
  });

  it("falls back to a fixed mount name when the mount path is not a single template", async () => {
    const seen = await templates(
      (app) => {
        const admin = express();
        admin.get("/users/:id", ok);
        app.use(["/admin", "/backoffice"], admin);
      },
      ["/backoffice/users/3"],
    );
    expect(seen).toEqual([`${UNKNOWN_MOUNT}/users/:id`]);
  });
});
