import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { declareFromForm } from "../support/status-page.ts";

/**
 * The status page in a real browser: headless Chromium from the system
 * (Debian's `chromium` package), driven by playwright-core, which downloads
 * nothing. JavaScript is disabled, as the page must work without it.
 */

const chromiumPath = "/usr/bin/chromium";
const artifacts = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

let bot: TestBot;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `${chromiumPath} is missing: this test needs Debian's Chromium. Install it with ` +
        "`apt-get update && apt-get install -y chromium`.",
    );
  }
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  bot = await startTestBot({ label: "status-browser" });
});

afterAll(async () => {
  await browser?.close();
  await bot?.dispose();
});

describe("/status in a browser", () => {
  it("shows the active incident, its public updates and every component's state in words", async () => {
    const incident = await declareFromForm(bot, {
      title: "Checkout API returning 500s",
      severity: "SEV2",
      components: "checkout, api",
    });
    await bot.send.slashCommand("update investigating Some payments fail with error 500. --public", {
      channelId: incident.channelId!,
    });
    await bot.settle();
    await bot.advance(12 * 60_000);
    await bot.send.slashCommand(
      "update identified A bad deploy of the payment service; rolling it back. --public",
      { channelId: incident.channelId! },
    );
    await bot.send.slashCommand("update identified Internal: the canary was skipped", {
      channelId: incident.channelId!,
    });
    await bot.settle();
    const past = await declareFromForm(bot, {
      title: "Search results delayed",
      severity: "SEV3",
      components: "search",
    });
    await bot.send.slashCommand("update investigating Results lag by a few minutes. --public", {
      channelId: past.channelId!,
    });
    await bot.send.slashCommand("resolve Indexing caught up.", { channelId: past.channelId! });
    await bot.settle();

    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1000, height: 900 },
    });
    const page = await context.newPage();
    const response = await page.goto(`${bot.app.url}/status`);
    expect(response?.status()).toBe(200);

    await expect(page.title()).resolves.toBe("Example Co status");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Example Co status");
    expect(await page.getByRole("heading", { name: "Partial System Outage" }).isVisible()).toBe(
      true,
    );

    const active = page.getByRole("region", { name: "Active incidents" });
    const article = active.getByRole("article", { name: "Checkout API returning 500s" });
    expect(await article.isVisible()).toBe(true);
    const updates = article.getByRole("listitem");
    expect(await updates.count()).toBe(2);
    // Newest first; the internal update is not there.
    expect(await updates.nth(0).innerText()).toContain("Identified");
    expect(await updates.nth(0).innerText()).toContain("A bad deploy of the payment service");
    expect(await updates.nth(1).innerText()).toContain("Some payments fail with error 500.");
    expect(await page.getByText("the canary was skipped").count()).toBe(0);

    const components = page.getByRole("region", { name: "Components" }).getByRole("listitem");
    const stateOf = async (name: string) =>
      (await components.filter({ hasText: name }).innerText()).replace(/\s+/g, " ");
    expect(await stateOf("API")).toContain("Partial outage");
    expect(await stateOf("Checkout")).toContain("Partial outage");
    expect(await stateOf("Website")).toContain("Operational");
    expect(await stateOf("Search")).toContain("Operational");

    const history = page.getByRole("region", { name: "Past incidents (last 90 days)" });
    expect(await history.getByText("Search results delayed").isVisible()).toBe(true);
    expect(await history.getByText("Indexing caught up.").isVisible()).toBe(true);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}status-page.png`, fullPage: true });

    // Narrow screens: nothing overflows sideways.
    await page.setViewportSize({ width: 375, height: 800 });
    // A string, evaluated in the page: this project's TypeScript has no DOM types.
    const overflow = await page.evaluate<number>(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${artifacts}status-page-narrow.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: `${artifacts}status-page-dark.png`, fullPage: true });
    await context.close();
  });
});
