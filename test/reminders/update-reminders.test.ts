import { afterEach, describe, expect, it } from "vitest";
import { actionIds } from "../../src/capabilities/incidents/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { hours, minutes } from "../support/clock.ts";
import { command, declareIncident, postUpdate, resolve } from "../support/scenario.ts";

let bot: TestBot;
let channelId: string;

afterEach(async () => {
  await bot.dispose();
});

/** A bot on the quiet playbook with one incident of `severity`, declared by alice. */
async function startWithIncident(severity: string) {
  bot = await startTestBot({ label: "reminders", playbook: quietPlaybook() });
  ({ channelId } = await declareIncident(bot, `${severity} Checkout API returning 500s`, { userId: "U0ALICE" }));
}

const reminders = () =>
  bot.emulator.world
    .messages(channelId)
    .filter((m) => m.text.includes("since the last update") || m.text.includes("escalating"));

describe("update reminders (SEV2, 30-minute cadence)", () => {
  it("none before the cadence, one at it, escalation to the IC after three", async () => {
    await startWithIncident("sev2");
    await bot.advance(minutes(29));
    expect(reminders()).toHaveLength(0);

    await bot.advance(minutes(1));
    expect(reminders()).toHaveLength(1);
    const first = reminders()[0]!;
    expect(first.text).toContain(
      "<@U0ALICE> it has been 30 min since the last update on *INC-1* (SEV2)",
    );
    const buttons = JSON.stringify(first.blocks);
    expect(buttons).toContain(actionIds.postUpdate);
    expect(buttons).toContain(actionIds.snoozeReminder);

    await bot.advance(minutes(30));
    await bot.advance(minutes(30));
    expect(reminders()).toHaveLength(3);
    expect(reminders().every((m) => !m.text.includes("escalating"))).toBe(true);

    await bot.advance(minutes(30));
    expect(reminders()).toHaveLength(4);
    expect(reminders()[3]!.text).toContain(
      "<@U0ALICE> escalating: no update on *INC-1* for 2 h; 3 reminders went unanswered",
    );
  });

  it("addresses the comms lead when there is one, and the IC when escalating", async () => {
    await startWithIncident("sev2");
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
    await bot.app.db.prisma.roleAssignment.create({
      data: { incidentId: incident.id, role: "comms_lead", userId: "U0CAROL" },
    });
    await bot.advance(minutes(30));
    expect(reminders()[0]!.text).toContain("<@U0CAROL> it has been 30 min");
    for (let i = 0; i < 3; i++) await bot.advance(minutes(30));
    expect(reminders()[3]!.text).toContain("<@U0ALICE> escalating");
  });

  it("an update resets the clock and the escalation count", async () => {
    await startWithIncident("sev2");
    for (let i = 0; i < 4; i++) await bot.advance(minutes(30));
    expect(reminders()).toHaveLength(4);

    await bot.advance(minutes(10));
    await postUpdate(bot, { channelId }, "identified Found the bad deploy");
    await bot.advance(minutes(29));
    expect(reminders()).toHaveLength(4);
    await bot.advance(minutes(1));
    expect(reminders()).toHaveLength(5);
    expect(reminders()[4]!.text).toContain("it has been 30 min since the last update");
  });

  it("stops on resolve and starts again on reopen", async () => {
    await startWithIncident("sev2");
    await resolve(bot, { channelId });
    await bot.advance(hours(3));
    expect(reminders()).toHaveLength(0);

    await command(bot, "reopen", { channelId });
    await bot.advance(minutes(30));
    expect(reminders()).toHaveLength(1);
  });

  it("snooze puts the next reminder 15 minutes out, and never brings it closer", async () => {
    await startWithIncident("sev2");
    await bot.advance(minutes(30));
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
    const snooze = async () => {
      await bot.send.blockAction({ action_id: actionIds.snoozeReminder, value: incident.id }, { channelId });
      await bot.settle();
      return bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text;
    };
    // Just reminded: the next one is 30 minutes away, so a 15-minute snooze leaves it there.
    expect(await snooze()).toContain("comes in 30 minutes");
    await bot.advance(minutes(20));
    expect(reminders()).toHaveLength(1);
    // 10 minutes left: the snooze pushes it to 15 from now.
    expect(await snooze()).toContain("comes in 15 minutes");
    await bot.advance(minutes(14));
    expect(reminders()).toHaveLength(1);
    await bot.advance(minutes(1));
    expect(reminders()).toHaveLength(2);
  });

  it("a severity change re-times the reminder", async () => {
    await startWithIncident("sev3");
    await bot.advance(minutes(20));
    await command(bot, "severity sev1", { channelId });
    // SEV1 is every 15 minutes from the declaration: already overdue, so now.
    expect(reminders()).toHaveLength(1);
    await bot.advance(minutes(15));
    expect(reminders()).toHaveLength(2);
  });

  it("SEV4 has no reminders", async () => {
    await startWithIncident("sev4");
    await bot.advance(hours(6));
    expect(reminders()).toHaveLength(0);
  });
});

describe("downtime", () => {
  it("after two hours down with a 15-minute cadence, one reminder is posted, not eight", async () => {
    await startWithIncident("sev1");
    await bot.stop();
    bot.clock.advance(hours(2));
    bot = await bot.restart();
    await bot.settle();
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.text).toContain("2 h since the last update");
    // And the next one is a cadence after now, not after the missed due time.
    await bot.advance(minutes(14));
    expect(reminders()).toHaveLength(1);
    await bot.advance(minutes(1));
    expect(reminders()).toHaveLength(2);
  });
});

describe("Slack faults", () => {
  it("429s with Retry-After and 5xx for a while: every reminder is delivered exactly once after", async () => {
    await startWithIncident("sev1");
    const rateLimited = bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "rate_limited",
      retryAfterSeconds: 30,
      times: 3,
    });
    const serverErrors = bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "server_error",
      status: 503,
      times: 4,
    });

    bot.clock.advance(minutes(15));
    await bot.settle({ withinMs: minutes(5) });
    expect(rateLimited.hits).toBe(3);
    expect(serverErrors.hits).toBe(4);
    expect(reminders()).toHaveLength(1);
    const post = await bot.app.db.prisma.slackPost.findFirstOrThrow({
      where: { key: { startsWith: "reminder:" } },
    });
    expect(post.state).toBe("sent");
    expect(post.ts).toBe(reminders()[0]!.ts);

    // The faults are spent; the next reminder goes straight through, once.
    await bot.advance(minutes(15));
    expect(reminders()).toHaveLength(2);
  });

  it("a timer that keeps failing is marked failed and raises a visible alert", async () => {
    // SEV3 reminds every 2 h, longer than the ~30 minutes the retries take, so
    // the ten faults all land on the first reminder's delivery.
    await startWithIncident("sev3");
    bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "slack_error",
      error: "channel_not_found",
      times: 10,
    });
    bot.clock.advance(hours(2));
    await bot.settle({ withinMs: minutes(10) });
    const delivery = await bot.app.db.prisma.timer.findFirstOrThrow({
      where: { key: { startsWith: "slack:reminder:" } },
      orderBy: { id: "asc" },
    });
    expect(delivery.state).toBe("failed");
    expect(delivery.attempts).toBe(10);
    expect(delivery.lastError).toContain("channel_not_found");
    const alerts = bot.emulator.world
      .messages(channelId)
      .filter((m) => m.text.includes("failed 10 times"));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain("`slack.deliver` for INC-1");
  });
});
