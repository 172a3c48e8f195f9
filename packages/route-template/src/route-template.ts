import type { IncomingMessage } from "node:http";

/** Stands for a mount path that cannot be known as a template (a bounded, fixed name). */
export const UNKNOWN_MOUNT = "/(mount)";

interface RouteLike {
  path?: unknown;
}
interface LayerLike {
  route?: RouteLike | undefined;
  handle?: unknown;
  rawPath?: unknown;
  match?: (path: string) => false | { path?: unknown };
}
interface RouterLike {
  stack: LayerLike[];
}
interface AppLike {
  router?: unknown;
  mountpath?: unknown;
  parent?: AppLike | undefined;
}
interface ExpressRequestLike {
  route?: RouteLike | undefined;
  baseUrl?: string | undefined;
  app?: AppLike | undefined;
}

/** The templates of routes requested without a mount path (the common case). */
const unmounted = new WeakMap<object, string>();

/** The mount chains found for a route, or its final mount template once it is unambiguous. */
const mounts = new WeakMap<object, string | LayerLike[][]>();

/**
 * The template of the Express route that handled the request, e.g. `/attachments/:id`
 * (mount paths of routers included), or `undefined` when no route matched. Never contains
 * raw values from the URL: `req.baseUrl` holds the *matched* mount path (`/users/42`), so
 * the mount templates are looked up in the router stack instead (cached per route).
 */
export function routeTemplate(req: IncomingMessage): string | undefined {
  const r = req as IncomingMessage & ExpressRequestLike;
  const route = r.route;
  if (typeof route !== "object") return undefined;
  if (r.baseUrl === undefined || r.baseUrl === "") {
    let template = unmounted.get(route);
    if (template === undefined) {
      template = normalise(patternText(route.path) ?? UNKNOWN_MOUNT);
      unmounted.set(route, template);
    }
    return template;
  }
  return normalise(
    (mountTemplate(r, route) ?? UNKNOWN_MOUNT) +
      (patternText(route.path) ?? UNKNOWN_MOUNT),
  );
}

function normalise(template: string): string {
  const trimmed = template.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

function patternText(pattern: unknown): string | undefined {
  if (typeof pattern === "string") return pattern;
  if (pattern instanceof RegExp) return String(pattern);
  if (Array.isArray(pattern)) {
    const parts = pattern.map(patternText);
    return parts.every((p) => p !== undefined) ? parts.join(",") : undefined;
  }
  return undefined;
}

function isRouter(value: unknown): value is RouterLike {
  return (
    typeof value === "function" &&
    Array.isArray((value as Partial<RouterLike>).stack)
  );
}

function appRouter(app: AppLike | undefined): RouterLike | undefined {
  let router: unknown;
  try {
    router = app?.router;
  } catch {
    // Express 4 throws on app.router; it keeps the router in app._router.
  }
  router ??= (app as { _router?: unknown } | undefined)?._router;
  return isRouter(router) ? router : undefined;
}

function findChains(
  router: RouterLike,
  route: RouteLike,
  depth: number,
): LayerLike[][] {
  const chains: LayerLike[][] = [];
  for (const layer of router.stack) {
    if (layer.route === route) chains.push([]);
    else if (
      layer.route === undefined &&
      isRouter(layer.handle) &&
      depth < 16
    ) {
      for (const chain of findChains(layer.handle, route, depth + 1))
        chains.push([layer, ...chain]);
    }
  }
  return chains;
}

/** The mount template of a sub-app (`app.use('/admin', admin)`), parents included. */
function appPrefix(app: AppLike | undefined, depth = 0): string | undefined {
  if (app?.parent === undefined || depth > 16) return "";
  const parent = appPrefix(app.parent, depth + 1);
  return parent === undefined || typeof app.mountpath !== "string"
    ? undefined
    : parent + app.mountpath;
}

function mountTemplate(
  req: ExpressRequestLike,
  route: RouteLike,
): string | undefined {
  let known = mounts.get(route);
  if (known === undefined) {
    const router = appRouter(req.app);
    const chains = router ? findChains(router, route, 0) : [];
    known =
      chains.length === 1
        ? (chainTemplate(req.app, chains[0] ?? []) ?? UNKNOWN_MOUNT)
        : chains;
    mounts.set(route, known);
  }
  if (typeof known === "string") return known;
  return resolveAmbiguous(req, known);
}

function chainTemplate(
  app: AppLike | undefined,
  chain: LayerLike[],
): string | undefined {
  const prefix = appPrefix(app);
  const parts = chain.map((layer) => patternText(layer.rawPath));
  if (prefix === undefined || parts.some((p) => p === undefined))
    return undefined;
  return prefix + parts.join("");
}

/** The same router mounted at several paths: find the chain whose layers match baseUrl. */
function resolveAmbiguous(
  req: ExpressRequestLike,
  chains: LayerLike[][],
): string | undefined {
  if (req.app?.parent !== undefined) return undefined;
  for (const chain of chains) {
    let rest = req.baseUrl ?? "";
    const ok = chain.every((layer) => {
      const m = layer.match?.(rest);
      if (!m || typeof m.path !== "string") return false;
      rest = rest.slice(m.path.length);
      return true;
    });
    if (ok && rest === "") return chainTemplate(req.app, chain);
  }
  return undefined;
}
