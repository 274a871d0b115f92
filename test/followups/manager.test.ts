import { afterEach, describe, expect, it } from "vitest";
import { startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { findBlockProblems } from "../../tools/emulators/slack/block-kit.ts";
import { digestTimerKey } from "../../src/capabilities/followups/manager/digest.ts";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { command, declareIncident } from "../support/scenario.ts";

let bot: TestBot;

afterEach(async () => {
  await bot.dispose();
});

const prisma = () => bot.app.db.prisma;
const channelOf = async (number: number) => (await prisma().incident.findUniqueOrThrow({ where: { number } })).channelId!;

/** `/incident <text>` as `userId`, in `channelId` when given (scenario `command`: a 200 ack, then settled). */
const run = (text: string, userId: string, channelId?: string) => command(bot, text, { userId, channelId });

const sectionTexts = (blocks: unknown[] | undefined) =>
  ((blocks ?? []) as { type: string; text?: { text: string } }[])
    .filter((block) => block.type === "section")
    .map((block) => block.text!.text);

const lastReply = (userId: string) => {
  const reply = bot.emulator.ephemeralsFor(userId).at(-1)!;
  expect(findBlockProblems(reply.blocks ?? [], "message")).toEqual([]);
  return { text: reply.text, sections: sectionTexts(reply.blocks), blocks: reply.blocks ?? [] };
};

describe("/incident actions", () => {
  it("lists this incident's items, mine, overdue and all, and refuses a bad filter", async () => {
    bot = await startTestBot({
      label: "manager-actions",
      clock: new ManualClock(new Date("2026-11-17T10:00:00Z")),
      playbook: quietPlaybook(),
    });
    await declareIncident(bot, "sev2 Checkout down", { userId: "U0BOB" });
    await declareIncident(bot, "sev3 Search slow", { userId: "U0ALICE" });
    const [inc1, inc2] = [await channelOf(1), await channelOf(2)];
    await run("action Add an alert on queue depth <@U0ALICE> due:2026-11-20", "U0BOB", inc1);
    await run("action Tell <!channel> about it <@U0BOB> due:2026-11-19", "U0BOB", inc1);
    await run("action Write the search runbook <@U0ALICE> due:2026-12-15", "U0ALICE", inc2);
    await run("action Tune the index <@U0ALICE>", "U0ALICE", inc2);
    await run("action Old chore <@U0ALICE> due:2026-11-18", "U0ALICE", inc2);
    await prisma().actionItem.updateMany({ where: { text: "Old chore" }, data: { state: "done", doneAt: new Date(), doneBy: "U0ALICE" } });
    bot.clock.set(new Date("2026-11-23T09:00:00Z"));

    // No filter, in INC-1's channel: INC-1's items only.
    await run("actions", "U0CAROL", inc1);
    let reply = lastReply("U0CAROL");
    expect(reply.text).toBe("Action items of INC-1: 2 for INC-1");
    expect(reply.sections).toEqual([
      "*INC-1* · Tell &lt;!channel&gt; about it · <@U0BOB> · due 2026-11-19 · :warning: *overdue*",
      "*INC-1* · Add an alert on queue depth · <@U0ALICE> · due 2026-11-20 · :warning: *overdue*",
    ]);

    // No filter, in INC-2's channel: open first, then the done one.
    await run("actions", "U0CAROL", inc2);
    expect(lastReply("U0CAROL").sections).toEqual([
      "*INC-2* · Write the search runbook · <@U0ALICE> · due 2026-12-15",
      "*INC-2* · Tune the index · <@U0ALICE>",
      "*INC-2* · Old chore · <@U0ALICE> · due 2026-11-18 · ✅ done",
    ]);

    // mine: Alice's open items across incidents, soonest due first, undated last, done left out.
    await run("actions mine", "U0ALICE", "C0GENERAL");
    reply = lastReply("U0ALICE");
    expect(reply.text).toBe("Your open action items: 3 open, owned by you");
    expect(reply.sections).toEqual([
      "*INC-1* · Add an alert on queue depth · <@U0ALICE> · due 2026-11-20 · :warning: *overdue*",
      "*INC-2* · Write the search runbook · <@U0ALICE> · due 2026-12-15",
      "*INC-2* · Tune the index · <@U0ALICE>",
    ]);

    // overdue: everyone's, past their due day in Europe/London.
    await run("actions OVERDUE", "U0CAROL", "C0GENERAL");
    expect(lastReply("U0CAROL").sections).toEqual([
      "*INC-1* · Tell &lt;!channel&gt; about it · <@U0BOB> · due 2026-11-19 · :warning: *overdue*",
      "*INC-1* · Add an alert on queue depth · <@U0ALICE> · due 2026-11-20 · :warning: *overdue*",
    ]);

    // Someone with nothing.
    await run("actions mine", "U0DAVE", "C0GENERAL");
    expect(lastReply("U0DAVE").text).toBe("Your open action items: You own no open action items. :tada:");

    // all: capped at 40 items, the rest counted.
    const incident2 = await prisma().incident.findUniqueOrThrow({ where: { number: 2 } });
    await prisma().actionItem.createMany({
      data: Array.from({ length: 45 }, (_, i) => ({ incidentId: incident2.id, text: `Bulk ${i}`, createdBy: "U0BOB" })),
    });
    await run("actions all", "U0CAROL", "C0GENERAL");
    reply = lastReply("U0CAROL");
    expect(reply.text).toBe("Open action items: 49 open, across all incidents");
    expect(reply.sections).toHaveLength(40);
    expect(reply.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(reply.blocks.at(-1))).toContain("…and 9 more.");

    // Outside an incident channel with no filter: how to ask instead.
    await run("actions", "U0CAROL", "C0GENERAL");
    expect(bot.emulator.ephemeralsFor("U0CAROL").at(-1)!.text).toContain("This channel is not an incident channel");

    // A bad filter is refused in the ack, with the usage.
    const refused = await bot.send.slashCommand("actions soon", { userId: "U0CAROL", channelId: inc1 });
    const body = (await refused.json()) as { text: string; response_type: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toBe(
      '"soon" is not a filter. Use `mine`, `overdue` or `all`, name an incident (`INC-42`), or give no filter in an incident channel.\nUsage: `/incident actions [INC-<n>|mine|overdue|all]`',
    );
  });
});

describe("the weekly digest", () => {
  it("posts once at Monday 09:00 London with MTTA, MTTR and overdue items by owner, then once a week", async () => {
    const emulator = await startSlackEmulator();
    const managers = emulator.world.createChannel({ name: "eng-managers", creator: "U0BOT" }).id;
    const playbook = quietPlaybook();
    playbook.followUps = { ...playbook.followUps, timezone: "Europe/London", digest: { channel: "#eng-managers", weekday: "monday", time: "09:00" } };
    // Tuesday 17 November 2026, 10:00 (GMT = UTC in November).
    bot = await startTestBot({ label: "manager-digest", emulator, clock: new ManualClock(new Date("2026-11-17T10:00:00Z")), playbook });
    expect((await prisma().timer.findUniqueOrThrow({ where: { key: digestTimerKey } })).dueAt).toEqual(new Date("2026-11-23T09:00:00Z"));

    const acknowledgeAfter = async (number: number, userId: string, minutesLater: number) => {
      await run(`page <@${userId}> Please look`, "U0BOB", await channelOf(number));
      await bot.advance(minutes(minutesLater));
      const page = await prisma().page.findFirstOrThrow({ where: { userId, state: "open" } });
      await bot.send.blockAction({ action_id: pagingActionIds.acknowledge, value: page.id }, { userId });
      await bot.settle();
    };

    // INC-1: declared 10:00, acknowledged 10:12, resolved 11:30.
    await declareIncident(bot, "sev2 Checkout <!channel> down", { userId: "U0BOB" });
    await acknowledgeAfter(1, "U0CAROL", 12);
    const inc1 = await channelOf(1);
    await run("action Add an alert on queue depth <@U0ALICE> due:2026-11-20", "U0BOB", inc1);
    await run("action Write the runbook <@U0ALICE> due:2026-12-15", "U0BOB", inc1);
    await run("action Fix the retry storm <@U0BOB> due:2026-11-19", "U0BOB", inc1);
    bot.clock.set(new Date("2026-11-17T11:30:00Z"));
    await run("resolve Rolled back", "U0BOB", inc1);

    // INC-2: declared Wednesday 14:00, acknowledged 14:06, still open.
    bot.clock.set(new Date("2026-11-18T14:00:00Z"));
    await bot.settle();
    await declareIncident(bot, "sev3 Search slow", { userId: "U0BOB" });
    await acknowledgeAfter(2, "U0DAVE", 6);
    expect(await prisma().timelineEvent.count({ where: { kind: "acknowledged" } })).toBe(2);

    // Nothing before Monday 09:00.
    bot.clock.set(new Date("2026-11-23T08:59:00Z"));
    await bot.settle();
    expect(bot.emulator.world.messages(managers)).toHaveLength(0);

    bot.clock.set(new Date("2026-11-23T09:00:00Z"));
    await bot.settle();
    const posted = bot.emulator.world.messages(managers);
    expect(posted).toHaveLength(1);
    const digest = posted[0]!;
    expect(findBlockProblems(digest.blocks ?? [], "message")).toEqual([]);
    const sections = sectionTexts(digest.blocks);
    // MTTA = (12 + 6) / 2 = 9 min over INC-1 and INC-2; MTTR = 90 min over INC-1 only (INC-2 is ongoing).
    expect(sections[0]).toBe("*Incidents:* 2 · *MTTA:* 9 min (2 acknowledged) · *MTTR:* 1 h 30 min (1 resolved)\n*Action items:* 3 open · 2 overdue");
    expect(sections[1]).toBe(
      [
        "• *INC-1* SEV2 · Checkout &lt;!channel&gt; down · declared Tue 17 Nov 10:00 · resolved in 1 h 30 min · acknowledged in 12 min",
        "• *INC-2* SEV3 · Search slow · declared Wed 18 Nov 14:00 · ongoing · acknowledged in 6 min",
      ].join("\n"),
    );
    expect(sections.slice(2)).toEqual([
      [
        "*<@U0ALICE>* · 2 open · 1 overdue",
        "• *INC-1* · Add an alert on queue depth · due 2026-11-20 · :warning: *overdue*",
        "• *INC-1* · Write the runbook · due 2026-12-15",
      ].join("\n"),
      ["*<@U0BOB>* · 1 open · 1 overdue", "• *INC-1* · Fix the retry storm · due 2026-11-19 · :warning: *overdue*"].join("\n"),
    ]);
    expect(JSON.stringify(digest.blocks)).toContain("Weekly incident digest · 16 Nov – 23 Nov 2026");
    expect(await prisma().slackPost.count({ where: { key: "digest:2026-W48" } })).toBe(1);

    // A week later: exactly one more, for a week with no incidents.
    bot.clock.set(new Date("2026-11-30T09:00:30Z"));
    await bot.settle();
    const after = bot.emulator.world.messages(managers);
    expect(after).toHaveLength(2);
    expect(sectionTexts(after[1]!.blocks)).toContain("No incidents were declared this week. :tada:");
    expect(sectionTexts(after[1]!.blocks)[0]).toBe("*Incidents:* 0 · *MTTA:* — · *MTTR:* —\n*Action items:* 3 open · 2 overdue");
    const timer = await prisma().timer.findUniqueOrThrow({ where: { key: digestTimerKey } });
    expect(timer).toMatchObject({ state: "pending", dueAt: new Date("2026-12-07T09:00:00Z") });

    // A restart keeps the schedule as it is.
    bot = await bot.restart();
    await bot.settle();
    expect(bot.emulator.world.messages(managers)).toHaveLength(2);
    expect((await prisma().timer.findUniqueOrThrow({ where: { key: digestTimerKey } })).dueAt).toEqual(new Date("2026-12-07T09:00:00Z"));
  });

  it("fails visibly when the #channel does not exist, and says which", async () => {
    const playbook = quietPlaybook();
    playbook.followUps = { ...playbook.followUps, digest: { channel: "#no-such-channel", weekday: "monday", time: "09:00" } };
    bot = await startTestBot({ label: "manager-digest-missing", clock: new ManualClock(new Date("2026-11-23T08:59:00Z")), playbook });
    await bot.advance(minutes(1));
    const timer = await prisma().timer.findUniqueOrThrow({ where: { key: digestTimerKey } });
    expect(timer.attempts).toBeGreaterThanOrEqual(1);
    expect(timer.lastError).toContain("the digest channel #no-such-channel was not found");
    expect(await prisma().slackPost.count({ where: { key: { startsWith: "digest:" } } })).toBe(0);

    // Retried with backoff; after the last attempt the announcement channel is told.
    for (let i = 0; i < 8; i++) await bot.advance(minutes(10));
    expect((await prisma().timer.findUniqueOrThrow({ where: { key: digestTimerKey } })).state).toBe("failed");
    const alerts = bot.emulator.world.messages("C0INCIDENTS").filter((m) => m.text.includes("`followups.digest`"));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain("the digest channel #no-such-channel was not found");

    // Fixed by the next start: a failed digest timer is revived at the next occurrence.
    bot = await bot.restart();
    expect(await prisma().timer.findUniqueOrThrow({ where: { key: digestTimerKey } })).toMatchObject({
      state: "pending",
      dueAt: new Date("2026-11-30T09:00:00Z"),
    });
  });
});
