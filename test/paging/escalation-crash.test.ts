import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/core/db/database.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { type BotProcess, childEnvFor, killAll, spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { until } from "../support/wait.ts";

let bot: TestBot;
const children: BotProcess[] = [];

afterEach(async () => {
  await killAll(children);
  await bot.dispose();
});

describe("a process killed mid-escalation", () => {
  it("after restart the next level is paged exactly once", async () => {
    bot = await startTestBot({ label: "escalation-crash" });
    await bot.send.slashCommand("declare sev3 Queue backlog growing", { userId: "U0CAROL" });
    await bot.settle();
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
    const levelOne = await bot.app.db.prisma.page.findFirstOrThrow({
      where: { role: "tech_lead" },
    });
    await bot.stop();

    // The child runs on the real clock: make the level-2 step due now.
    const db = await openDatabase(bot.database.target);
    await db.prisma.timer.update({
      where: { key: `escalation:${incident.id}:tech_lead` },
      data: { dueAt: new Date(Date.now() - 1000) },
    });
    await db.close();

    const env = childEnvFor(bot);

    // The first post of the escalation step hangs in Slack; the process dies meanwhile.
    const slow = bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "slow",
      delayMs: 3000,
      times: 1,
    });
    const postsBefore = bot.emulator.callsTo("chat.postMessage").length;
    const first = await spawnBot(env);
    children.push(first);
    await until(() => slow.hits === 1, "the escalation's first post to reach Slack");
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    // Slack still carries out the post the dead process was waiting on (the emulator records a call
    // once it has answered it). The restart comes after that: the case is "Slack has the post, the bot
    // never recorded it", and the restarted bot must find it rather than post again.
    await until(() => bot.emulator.callsTo("chat.postMessage").length > postsBefore, "the hung post to land in Slack");

    const second = await spawnBot(env);
    children.push(second);
    await waitUntilReady(second.url);
    const levelTwoUser = levelOne.userId === "U0ALICE" ? "U0BOB" : "U0ALICE";
    const levelTwoDms = () => {
      const dm = bot.emulator.world.dmWith(levelTwoUser);
      return dm
        ? bot.emulator.world.messages(dm.id).filter((m) => m.text.includes("Technical lead"))
        : [];
    };
    const escalatedNotes = () =>
      bot.emulator.world
        .messages(incident.channelId!)
        .filter((m) => m.text.includes("(escalated: level 2)"));
    await until(
      () => levelTwoDms().length >= 1 && escalatedNotes().length >= 1,
      "the level-2 page and its note",
    );
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    expect(levelTwoDms()).toHaveLength(1);
    expect(escalatedNotes()).toHaveLength(1);
    const check = await openDatabase(bot.database.target);
    const escalations = await check.prisma.timelineEvent.count({
      where: { kind: "escalated", incidentId: incident.id },
    });
    const pages = await check.prisma.page.findMany({
      where: { role: "tech_lead" },
      orderBy: { createdAt: "asc" },
    });
    await check.close();
    expect(escalations).toBe(1);
    expect(pages.map((p) => [p.userId, p.level])).toEqual([
      [levelOne.userId, 0],
      [levelTwoUser, 1],
    ]);
  });
});
