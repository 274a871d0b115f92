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

const reminders = (channelId: string) =>
  bot.emulator.world.messages(channelId).filter((m) => m.text.includes("since the last update"));

describe("a process killed mid-delivery", () => {
  it("SIGKILL after Slack accepted the reminder but before it was recorded: posted exactly once after restart", { timeout: 90_000 }, async () => {
    bot = await startTestBot({ label: "crash" });
    await bot.send.slashCommand("declare sev2 Checkout API returning 500s");
    await bot.settle();
    const { id: incidentId, channelId } = await bot.app.db.prisma.incident.findFirstOrThrow();
    await bot.stop();

    // The child runs on the real clock: make the reminder due now.
    const db = await openDatabase(bot.database.target);
    await db.prisma.timer.update({
      where: { key: `update-reminder:${incidentId}` },
      data: { dueAt: new Date(Date.now() - 60_000) },
    });
    await db.close();

    // Slack will take 3 s to answer the post; the process dies while it waits.
    const slowPost = bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "slow",
      delayMs: 3000,
      times: 1,
    });
    const first = await spawnBot(childEnvFor(bot));
    children.push(first);
    await until(() => slowPost.hits === 1, "the reminder post to reach Slack");
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    // Slack finishes the post the dead process never heard back about.
    await until(() => reminders(channelId!).length === 1, "the orphaned post to land");

    const second = await spawnBot(childEnvFor(bot));
    children.push(second);
    await waitUntilReady(second.url);
    await until(
      () => bot.emulator.callsTo("conversations.history").length > 0,
      "the restarted bot to look for its earlier post",
    );
    // No pause before stopping: on SIGTERM the timer engine finishes the run in progress, so
    // the lookup's outcome (post sent, delivery done) is committed before the database closes.
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    expect(reminders(channelId!)).toHaveLength(1);
    expect(
      bot.emulator
        .callsTo("chat.postMessage")
        .filter((c) => String(c.args.text).includes("since the last update")),
    ).toHaveLength(1);
    const check = await openDatabase(bot.database.target);
    const post = await check.prisma.slackPost.findFirstOrThrow({
      where: { key: { startsWith: "reminder:" } },
    });
    const delivery = await check.prisma.timer.findUniqueOrThrow({
      where: { key: `slack:${post.key}` },
    });
    await check.close();
    expect(post).toMatchObject({ state: "sent", ts: reminders(channelId!)[0]!.ts });
    expect(delivery.state).toBe("done");
    expect(delivery.attempts).toBe(2);
  });
});
