import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { freePort } from "@cloud-platform/test-services";
import { SettingName } from "@cloud-platform/storage-core";
import { openIndex } from "@cloud-platform/storage-sql";
import { killAll, runCli, startApp, type AppProcess } from "./app-process.js";
import { randomBody } from "./client.js";
import { ARTIFACTS, launchChromium } from "./browser.js";
import {
  containerObjects,
  dropContainer,
  objectStoreEnv,
  uniqueContainer,
  type Kind,
} from "./services.js";

jest.setTimeout(240_000);

interface Setup {
  name: string;
  kind?: Kind;
  /** The location the status panel shows. */
  location: string;
  /** How the page says the file went. */
  sent: RegExp;
}

/**
 * On the local Swift: Swift honours the container CORS that `install` sets, so the page PUTs
 * straight into the container; the s3api implements no bucket CORS, so the browser cannot
 * reach the bucket and the page sends the file through the app instead.
 */
const setups: Setup[] = [
  { name: "embedded defaults", location: "file", sent: /through the app/ },
  {
    name: "exoscale (S3 API of the local Swift)",
    kind: "exoscale",
    location: "s3",
    sent: /through the app/,
  },
  {
    name: "ovh (Swift API of the local Swift)",
    kind: "ovh",
    location: "swift",
    sent: /straight to the bucket/,
  },
];

/** What a person does on the page, in a real browser. */
describe.each(setups)(
  "the example page in headless Chromium, $name",
  (setup) => {
    let dir = "";
    let app: AppProcess;
    let browser: Browser | undefined;
    const container = uniqueContainer();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "cp-page-"));
      const port = await freePort();
      const env: Record<string, string> = {
        DATABASE_URL: join(dir, "index.sqlite"),
        FILESTORE_PATH: join(dir, "filestore"),
        ODOO_LOGGING_JSON: "1",
      };
      if (setup.kind !== undefined) {
        Object.assign(env, objectStoreEnv(setup.kind, container), {
          CLOUD_PLATFORM_CORS_ORIGINS: `http://127.0.0.1:${port}`,
        });
        const installed = await runCli(["install", setup.kind], env);
        if (installed.code !== 0)
          throw new Error(
            `install failed:\n${installed.stdout}${installed.stderr}`,
          );
        // On dev, install keeps new files in the database: send them to the object store.
        const index = await openIndex(env.DATABASE_URL!);
        await index.setSetting(SettingName.Location, setup.location);
        await index.close();
      }
      app = await startApp(env, { port });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await killAll();
      if (setup.kind !== undefined) await dropContainer(container);
      if (dir !== "") await rm(dir, { recursive: true, force: true });
    });

    it("logs in, uploads 20 MB, lists, downloads the same bytes and deletes", async () => {
      const bytes = randomBody(20 * 1024 * 1024);
      const file = join(dir, "holiday photos.bin");
      await writeFile(file, bytes);
      const context = await browser!.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      await page.goto(app.url);
      await page.getByLabel("Login").fill("browser-user");
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(
        page.getByText("Logged in as browser-user").waitFor(),
      ).resolves.toBeUndefined();
      await page.getByLabel("File to upload").setInputFiles(file);
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page
        .getByText(/Uploaded holiday photos\.bin/)
        .waitFor({ timeout: 60_000 });
      expect(await page.getByRole("status").textContent()).toMatch(setup.sent);
      const link = page.getByRole("link", { name: "holiday photos.bin" });
      await link.waitFor();
      expect(await page.locator("#status-location").textContent()).toBe(
        setup.location,
      );
      if (setup.kind !== undefined)
        expect(await containerObjects(container)).toHaveLength(1);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({
        path: fileURLToPath(
          new URL(`page-${setup.kind ?? "embedded"}.png`, ARTIFACTS),
        ),
        fullPage: true,
      });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        link.click(),
      ]);
      expect(download.suggestedFilename()).toBe("holiday photos.bin");
      const saved = join(dir, "downloaded.bin");
      await download.saveAs(saved);
      expect((await readFile(saved)).equals(bytes)).toBe(true);
      await page
        .getByRole("button", { name: "Delete holiday photos.bin" })
        .click();
      await page.getByText("Deleted holiday photos.bin.").waitFor();
      // The message comes before the list is drawn again: wait for the row to go.
      await link.waitFor({ state: "detached" });
      expect(await link.count()).toBe(0);
      await context.close();
    });
  },
);
