import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`, done by scripts/services.sh): no browser download. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where screenshots go (gitignored), for a person to look at after a run. */
export const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);

/**
 * Headless Chromium with the flags that work on a machine with a closed network; Playwright
 * gives every launch a fresh, empty profile (its own `--user-data-dir`).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
