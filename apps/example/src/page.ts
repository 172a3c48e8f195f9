import type { RequestHandler } from "express";
import { MIGRATION_LOCK } from "@cloud-platform/storage-core";
import type { Platform } from "@cloud-platform/platform";
import { PAGE_SCRIPT } from "./page-script.js";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloud-platform example</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; }
  section { margin: 1.5rem 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ccc; }
  progress { width: 100%; height: 1.2rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  button, input { font: inherit; }
  :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
  #message { min-height: 1.5em; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
</style>
</head>
<body>
<header>
  <h1>cloud-platform example</h1>
  <p><span id="user"></span> <button type="button" id="logout" hidden>Log out</button></p>
</header>
<main>
<p id="message" role="status" aria-live="polite"></p>
<section id="login-section" aria-labelledby="login-title" hidden>
  <h2 id="login-title">Log in</h2>
  <form id="login-form">
    <label for="login">Login (any name: this is a demo)</label>
    <input id="login" name="login" required maxlength="200" autocomplete="username">
    <button type="submit">Log in</button>
  </form>
</section>
<section id="files-section" aria-labelledby="files-title" hidden>
  <h2 id="files-title">Files</h2>
  <form id="upload-form">
    <label for="file">File to upload</label>
    <input id="file" name="file" type="file" required>
    <button type="submit" id="upload-button">Upload</button>
    <progress id="progress" max="1" value="0" aria-label="Upload progress"></progress>
  </form>
  <table>
    <caption class="visually-hidden">Uploaded files</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Stored in</th><th scope="col">Actions</th></tr></thead>
    <tbody id="files"></tbody>
  </table>
  <p id="empty">No file yet.</p>
</section>
<section aria-labelledby="status-title">
  <h2 id="status-title">Platform</h2>
  <dl>
    <dt>Environment</dt><dd id="status-environment">…</dd>
    <dt>Kind</dt><dd id="status-kind">…</dd>
    <dt>Location</dt><dd id="status-location">…</dd>
    <dt>Session store</dt><dd id="status-sessionStore">…</dd>
    <dt>Migration</dt><dd id="status-migration">…</dd>
    <dt>Uploads</dt><dd id="status-uploads">…</dd>
  </dl>
</section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

/** `GET /`: the page a person uses in a browser. */
export const pageHandler: RequestHandler = (_req, res) => {
  res
    .type("html")
    .setHeader("Cache-Control", "no-cache")
    .setHeader(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; connect-src *; frame-ancestors 'none'",
    )
    .send(PAGE);
};

/** `GET /platform-status`: what the page's status panel shows (no secret, no bucket name). */
export function platformStatusHandler(platform: Platform): RequestHandler {
  return async (_req, res) => {
    const settings = await platform.attachments.settings();
    const holder = await platform.index.lockHolder(MIGRATION_LOCK);
    res.setHeader("Cache-Control", "no-store");
    res.json({
      environment: platform.config.runningEnv,
      kind: platform.settings.kind ?? "none (embedded defaults)",
      location: settings.location,
      sessionStore: platform.redis === undefined ? "process memory" : "Redis",
      migration:
        holder === undefined
          ? "idle"
          : `running on ${holder.hostname} (pid ${holder.pid}) since ${holder.acquiredAt.toISOString()}`,
      uploads:
        settings.location === "s3" || settings.location === "swift"
          ? "straight to the bucket when the store signs URLs, else through the app"
          : "through the app",
    });
  };
}
