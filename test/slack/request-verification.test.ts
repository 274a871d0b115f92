import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";

let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({ label: "verification" });
});

afterAll(async () => {
  await bot.dispose();
});

async function nothingHappened() {
  await bot.settle();
  const slackCalls = bot.emulator.calls.filter((call) => call.method !== "auth.test");
  expect(slackCalls).toEqual([]);
  expect(await bot.app.db.prisma.incident.count()).toBe(0);
}

describe("Slack request verification", () => {
  it("a forged signature → 401, and nothing happens", async () => {
    const response = await bot.send.slashCommand("declare sev1 Forged", {
      secret: "not-the-secret",
    });
    expect(response.status).toBe(401);
    await nothingHappened();
  });

  it("a stale timestamp (older than 5 minutes) → 401, even correctly signed", async () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const response = await bot.send.slashCommand("declare sev1 Replayed", {
      timestamp: sixMinutesAgo,
    });
    expect(response.status).toBe(401);
    await nothingHappened();
  });

  it("a correctly signed request is accepted", async () => {
    const response = await bot.send.slashCommand("help");
    expect(response.status).toBe(200);
  });
});

describe("health endpoints", () => {
  it("/healthz answers and /readyz checks the database and Slack", async () => {
    const health = await fetch(`${bot.app.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${bot.app.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ["database", true],
      ["slack", true],
    ]);
  });
});
