import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { killAll, startApp, type AppProcess } from "./app-process.js";
import { randomBody } from "./client.js";
import { ARTIFACTS, launchChromium } from "./browser.js";

jest.setTimeout(180_000);

/** What a person does on the page, in a real browser, on the embedded defaults. */
describe("the example page in headless Chromium (embedded defaults)", () => {
  let dir = "";
  let app: AppProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-page-"));
    app = await startApp({
      DATABASE_URL: join(dir, "index.sqlite"),
      FILESTORE_PATH: join(dir, "filestore"),
      ODOO_LOGGING_JSON: "1",
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await killAll();
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
    expect(await page.getByRole("status").textContent()).toMatch(
      /through the app/,
    );
    const link = page.getByRole("link", { name: "holiday photos.bin" });
    await link.waitFor();
    expect(await page.locator("#status-location").textContent()).toBe("file");
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({
      path: fileURLToPath(new URL("page-embedded.png", ARTIFACTS)),
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
    expect(await link.count()).toBe(0);
    await context.close();
  });
});
