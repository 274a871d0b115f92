import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackIds, declareBlockIds } from "../../src/capabilities/incidents/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { onPostgres } from "../support/database.ts";

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

  it("a timestamp more than 5 minutes in the future → 401, even correctly signed", async () => {
    const sixMinutesAhead = Math.floor(Date.now() / 1000) + 6 * 60;
    const response = await bot.send.slashCommand("declare sev1 From the future", {
      timestamp: sixMinutesAhead,
    });
    expect(response.status).toBe(401);
    await nothingHappened();
  });

  it("a timestamp a little ahead (clock skew within 5 minutes) is accepted", async () => {
    const response = await bot.send.slashCommand("help", { timestamp: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(response.status).toBe(200);
  });

  it("a timestamp that is not a number → 401", async () => {
    const response = await bot.send.slashCommand("help", { headers: { "x-slack-request-timestamp": "1e3" } });
    expect(response.status).toBe(401);
  });
});

describe("replayed Slack requests (same signature within the window)", () => {
  const responseUrl = () => bot.emulator.responseUrl("C0GENERAL", "U0ALICE");

  /**
   * `send` once: a 200, acted on (`count` is 1). The very same request again:
   * a 200 with an empty body, `count` still 1, and no Slack call at all.
   */
  async function expectReplayIgnored(send: () => Promise<Response>, count: () => Promise<number>) {
    expect((await send()).status).toBe(200);
    await bot.settle();
    expect(await count()).toBe(1);
    bot.emulator.resetCalls();

    const replay = await send();
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe("");
    await bot.settle();
    expect(await count()).toBe(1);
    expect(bot.emulator.calls).toEqual([]);
  }

  it("a replayed slash command is acknowledged (200, empty) and does nothing", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const options = { timestamp, triggerId: "replay.command.trigger", responseUrl: responseUrl() };
    await expectReplayIgnored(
      () => bot.send.slashCommand("declare sev3 Replayed command", options),
      () => bot.app.db.prisma.incident.count({ where: { title: "Replayed command" } }),
    );
  });

  it("a replayed interaction (a declare form submission) is acknowledged and does nothing", async () => {
    const payload = {
      type: "view_submission",
      team: { id: "T0TEAM", domain: "example" },
      user: { id: "U0ALICE", username: "u0alice", team_id: "T0TEAM" },
      api_app_id: "A0BOT",
      token: "verification-token-unused",
      trigger_id: "replay.view.trigger",
      view: {
        id: "V0REPLAY",
        type: "modal",
        callback_id: callbackIds.declare,
        private_metadata: "",
        state: {
          values: {
            [declareBlockIds.title]: { value: { type: "plain_text_input", value: "Replayed form" } },
            [declareBlockIds.severity]: {
              value: { type: "static_select", selected_option: { value: "SEV3" } },
            },
          },
        },
        hash: "hash",
        team_id: "T0TEAM",
        app_id: "A0BOT",
        bot_id: "B0BOT",
      },
      response_urls: [],
    };
    const timestamp = Math.floor(Date.now() / 1000);
    await expectReplayIgnored(
      () => bot.send.interactive(payload, { timestamp }),
      () => bot.app.db.prisma.incident.count({ where: { title: "Replayed form" } }),
    );
  });

  it("a replayed event is acknowledged and does nothing", async () => {
    const event = { type: "app_home_opened", user: "U0ALICE", tab: "home", channel: "D0ALICEHOME" };
    const timestamp = Math.floor(Date.now() / 1000);
    bot.emulator.resetCalls();
    expect((await bot.send.event(event, { eventId: "Ev0REPLAY", timestamp })).status).toBe(200);
    await bot.settle();
    expect(bot.emulator.calls.filter((call) => call.method === "views.publish")).toHaveLength(1);

    const replay = await bot.send.event(event, { eventId: "Ev0REPLAY", timestamp });
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe("");
    await bot.settle();
    expect(bot.emulator.calls.filter((call) => call.method === "views.publish")).toHaveLength(1);
  });

  it("a forged request is not recorded, so it cannot block the genuine one", async () => {
    const before = await bot.app.db.prisma.slackRequestSeen.count();
    expect((await bot.send.slashCommand("help", { secret: "wrong" })).status).toBe(401);
    expect(await bot.app.db.prisma.slackRequestSeen.count()).toBe(before);
  });

  it.runIf(onPostgres)("a request replayed to another replica on the same PostgreSQL does nothing", async () => {
    const replica = await startTestBot({ label: "verification-replica", database: bot.database, emulator: bot.emulator });
    try {
      const timestamp = Math.floor(Date.now() / 1000);
      const options = { timestamp, triggerId: "replay.replica.trigger", responseUrl: responseUrl() };
      expect((await bot.send.slashCommand("declare sev3 Replayed across replicas", options)).status).toBe(200);
      await bot.settle();
      const replay = await replica.send.slashCommand("declare sev3 Replayed across replicas", options);
      expect(replay.status).toBe(200);
      expect(await replay.text()).toBe("");
      await replica.settle();
      await bot.settle();
      expect(await bot.app.db.prisma.incident.count({ where: { title: "Replayed across replicas" } })).toBe(1);
    } finally {
      await replica.stop();
    }
  });
});

describe("seen signatures are pruned", () => {
  it("rows older than the replay window are deleted as requests arrive", async () => {
    const fresh = await startTestBot({ label: "verification-prune" });
    try {
      const prisma = fresh.app.db.prisma;
      await prisma.slackRequestSeen.create({
        data: { signature: "v0=old", receivedAt: new Date(Date.now() - 60 * 60 * 1000) },
      });
      await prisma.slackRequestSeen.create({ data: { signature: "v0=recent", receivedAt: new Date() } });
      expect((await fresh.send.slashCommand("help")).status).toBe(200);
      await fresh.settle();
      const left = (await prisma.slackRequestSeen.findMany()).map((row) => row.signature);
      expect(left).not.toContain("v0=old");
      expect(left).toContain("v0=recent");
      expect(left).toHaveLength(2);
    } finally {
      await fresh.dispose();
    }
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
