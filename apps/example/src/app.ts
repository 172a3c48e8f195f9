import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import { attachmentsRouter, type Platform } from "@cloud-platform/platform";
import { pageHandler, platformStatusHandler } from "./page.js";

declare module "express-session" {
  interface SessionData {
    /** The logged-in user: what makes a session "authenticated" for the session store. */
    uid: string;
  }
}

/** Rejects requests without a logged-in session. */
export function requireLogin(
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (req.session.uid === undefined) {
    res.status(401).json({ error: "not logged in" });
    return;
  }
  next();
}

/**
 * The example application: demo login (any login), the session's user, and attachments,
 * on top of the platform's middleware (request ids, logs, metrics, sessions, status).
 */
export function createApp(
  platform: Platform,
  options: { directDownload?: boolean } = {},
): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", true);
  platform.middleware(app);

  app.get("/", pageHandler);
  app.get("/platform-status", platformStatusHandler(platform));

  app.post("/login", express.json({ limit: "16kb" }), (req, res, next) => {
    const login: unknown = (req.body as { login?: unknown } | undefined)?.login;
    if (
      typeof login !== "string" ||
      login.trim() === "" ||
      login.length > 200
    ) {
      res.status(400).json({ error: 'body must be JSON {"login": "<name>"}' });
      return;
    }
    // A new session id at login: a session fixed before login cannot be hijacked.
    req.session.regenerate((error) => {
      if (error) {
        next(error);
        return;
      }
      req.session.uid = login.trim();
      res.json({ login: req.session.uid });
    });
  });

  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => {
      if (error) {
        next(error);
        return;
      }
      res.clearCookie(platform.sessionCookieName).status(204).end();
    });
  });

  app.get("/me", requireLogin, (req, res) => {
    res.json({ login: req.session.uid });
  });

  app.use(
    "/attachments",
    attachmentsRouter(platform, {
      // Any logged-in user may do anything: the demo has no per-file ownership.
      authorize: (req) => req.session.uid !== undefined,
      deniedStatus: 401,
      ...(options.directDownload === undefined
        ? {}
        : { directDownload: options.directDownload }),
    }),
  );
  app.use(platform.errorHandler());
  return app;
}
