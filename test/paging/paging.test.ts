import { afterEach, describe, expect, it } from "vitest";
import { checklistActionIds, checklistBlockId } from "../../src/capabilities/checklists/views.ts";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { command, declareIncident } from "../support/scenario.ts";

// Monday 23 November 2026, 10:00 in London: week 46 of the default rotations,
// so alice is primary on call and bob secondary.
const monday = new Date("2026-11-23T10:00:00Z");

let bot: TestBot;
let channelId: string;

afterEach(async () => {
  await bot.dispose();
});

/** A bot on the default playbook at `monday`, and one incident declared by bob. */
async function startWithIncident(text: string) {
  bot = await startTestBot({ label: "paging", clock: new ManualClock(monday) });
  ({ channelId } = await declareIncident(bot, text, { userId: "U0BOB" }));
}

const dmsTo = (userId: string) =>
  (bot.emulator.world.dmWith(userId)
    ? bot.emulator.world.messages(bot.emulator.world.dmWith(userId)!.id)
    : []
  ).filter((m) => m.text.startsWith("You are paged"));
const pageFor = async (role: string, userId: string) =>
  bot.app.db.prisma.page.findFirstOrThrow({ where: { role, userId } });
const timelineKinds = async () =>
  (await bot.app.db.prisma.timelineEvent.findMany({ orderBy: { id: "asc" } })).map((e) => [
    e.kind,
    (e.data as { role?: string }).role ?? "",
  ]);

describe("declaring a SEV1 on the default playbook", () => {
  it("pages the roles SEV1 needs by DM, posts the checklists, escalates without an ack, stops on ack", async () => {
    await startWithIncident("sev1 Checkout API returning 500s");

    // The declarer (bob) is IC; the other SEV1 roles are paged at level 1.
    expect(dmsTo("U0ALICE")).toHaveLength(1); // tech lead: primary rotation
    expect(dmsTo("U0CAROL")).toHaveLength(1); // comms lead: the S0SUPPORT group
    expect(dmsTo("U0DAVE")).toHaveLength(1); // exec sponsor
    expect(dmsTo("U0BOB")).toHaveLength(0);
    expect(bot.emulator.callsTo("usergroups.users.list").map((c) => c.args.usergroup)).toContain(
      "S0SUPPORT",
    );
    const dm = dmsTo("U0ALICE")[0]!;
    expect(dm.text).toBe("You are paged as Technical lead for INC-1 (SEV1).");
    const dmBlocks = JSON.stringify(dm.blocks);
    expect(dmBlocks).toContain(pagingActionIds.acknowledge);
    expect(dmBlocks).toContain(`<#${channelId}>`);

    const channelTexts = bot.emulator.world.messages(channelId).map((m) => m.text);
    expect(channelTexts.filter((t) => t.startsWith(":pager: Paged"))).toHaveLength(3);
    const checklists = channelTexts.filter((t) => t.includes("checklist for INC-1"));
    // Posts to one channel are paced, not ordered: compare as a set.
    expect(checklists.map((t) => t.split(" checklist")[0]).sort()).toEqual([
      "Engineering",
      "Leadership",
      "Support",
    ]);

    // Nobody acknowledges for 5 minutes: level 2 of each escalation policy.
    await bot.advance(minutes(4));
    expect(dmsTo("U0BOB")).toHaveLength(0);
    await bot.advance(minutes(1));
    expect(dmsTo("U0BOB")).toHaveLength(1); // tech lead level 2: secondary rotation
    expect(dmsTo("U0DAVE")).toHaveLength(2); // comms lead level 2 is dave too
    expect(
      bot.emulator.world.messages(channelId).some((m) => m.text.includes("(escalated: level 2)")),
    ).toBe(true);

    // Alice acknowledges her tech-lead page: she takes the role, joins, escalation stops.
    const page = await pageFor("tech_lead", "U0ALICE");
    const aliceDm = bot.emulator.world.dmWith("U0ALICE")!.id;
    const ackedAt = bot.clock.now();
    await bot.send.blockAction(
      { action_id: pagingActionIds.acknowledge, value: page.id },
      { userId: "U0ALICE", channelId: aliceDm },
    );
    await bot.settle();
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow({
      include: { roles: true },
    });
    expect(incident.roles.find((r) => r.role === "tech_lead")?.userId).toBe("U0ALICE");
    expect(incident.acknowledgedAt).toEqual(ackedAt);
    expect(bot.emulator.world.channel(channelId)!.members).toContain("U0ALICE");
    expect((await pageFor("tech_lead", "U0ALICE")).state).toBe("acknowledged");
    expect((await pageFor("tech_lead", "U0BOB")).state).toBe("superseded");
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain(
      "You acknowledged and are now *Technical lead*",
    );

    const bobBefore = dmsTo("U0BOB").length;
    await bot.advance(minutes(30));
    expect(dmsTo("U0BOB")).toHaveLength(bobBefore); // no more tech-lead pages

    const kinds = await timelineKinds();
    const firstPaged = kinds.findIndex(([kind]) => kind === "paged");
    const escalated = kinds.findIndex(
      ([kind, role]) => kind === "escalated" && role === "tech_lead",
    );
    const acknowledged = kinds.findIndex(
      ([kind, role]) => kind === "acknowledged" && role === "tech_lead",
    );
    expect(kinds.slice(0, 4)).toEqual([
      ["declared", ""],
      ["role_assigned", "incident_commander"],
      ["channel_created", ""],
      ["announced", ""],
    ]);
    expect(firstPaged).toBeGreaterThan(3);
    expect(escalated).toBeGreaterThan(firstPaged);
    expect(acknowledged).toBeGreaterThan(escalated);
    expect(kinds[acknowledged + 1]).toEqual(["role_assigned", "tech_lead"]);
  });

  it("after every level and the repeat, alerts the channel once", async () => {
    await startWithIncident("sev1 Nobody home");
    for (let minute = 0; minute < 60; minute++) await bot.advance(minutes(1));
    const alerts = bot.emulator.world
      .messages(channelId)
      .filter((m) => m.text.startsWith("<!here> Nobody acknowledged"));
    // engineering (tech lead), communications (comms lead) and leadership (exec sponsor) each give up once.
    expect(alerts.map((m) => m.text.match(/\*(.+?)\*/)?.[1]).sort()).toEqual([
      "Communications lead",
      "Executive sponsor",
      "Technical lead",
    ]);
    // engineering: 2 levels × 2 rounds, one person per level.
    expect(dmsTo("U0ALICE")).toHaveLength(2);
  });

  it("only the paged person can acknowledge, and only once", async () => {
    await startWithIncident("sev1 Who acks");
    const page = await pageFor("tech_lead", "U0ALICE");
    await bot.send.blockAction(
      { action_id: pagingActionIds.acknowledge, value: page.id },
      { userId: "U0CAROL" },
    );
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0CAROL").at(-1)!.text).toBe("This page is for <@U0ALICE>.");
    expect((await pageFor("tech_lead", "U0ALICE")).state).toBe("open");
  });
});

describe("changing severity", () => {
  it("raising SEV3 → SEV1 pages only the roles SEV1 adds", async () => {
    await startWithIncident("sev3 Search is slow");
    expect(dmsTo("U0ALICE")).toHaveLength(1); // SEV3 pages the tech lead
    expect(dmsTo("U0CAROL")).toHaveLength(0);

    await command(bot, "severity sev1", { userId: "U0BOB", channelId });
    expect(dmsTo("U0ALICE")).toHaveLength(1); // not paged again
    expect(dmsTo("U0CAROL")).toHaveLength(1); // comms lead added
    expect(dmsTo("U0DAVE")).toHaveLength(1); // exec sponsor added
    const paged = await bot.app.db.prisma.page.findMany({ where: { round: 0, level: 0 } });
    expect(paged.map((p) => p.role).sort()).toEqual(["comms_lead", "exec_sponsor", "tech_lead"]);

    // Lowering never un-pages anyone.
    await command(bot, "severity sev3", { userId: "U0BOB", channelId });
    expect(await bot.app.db.prisma.page.count({ where: { state: "open" } })).toBe(3);
  });
});

describe("/incident page and /incident role", () => {
  it("pages a person by hand once, and refuses to page a role already being paged", async () => {
    await startWithIncident("sev1 Manual paging");
    // One at a time: replies arrive in the order the commands finish.
    for (const text of ["page <@U0DAVE|dave> please look at the DB", "page <@U0DAVE|dave> again", "page tech-lead"]) {
      await command(bot, text, { userId: "U0BOB", channelId });
    }
    const replies = bot.emulator.ephemeralsFor("U0BOB").map((e) => e.text);
    expect(replies.slice(-3)).toEqual([
      "Paged <@U0DAVE> for INC-1.",
      "<@U0DAVE> was already paged for INC-1.",
      "Technical lead is already being paged for INC-1.",
    ]);
    const manual = bot.emulator.world
      .messages(bot.emulator.world.dmWith("U0DAVE")!.id)
      .filter((m) => m.text === "You are paged for INC-1 (SEV1).");
    expect(manual).toHaveLength(1);
    expect(JSON.stringify(manual[0]!.blocks)).toContain("please look at the DB");
  });

  it("assigns a role directly, stopping its escalation", async () => {
    await startWithIncident("sev1 Direct assignment");
    await command(bot, "role comms_lead <@U0ALICE|alice>", { userId: "U0BOB", channelId });
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow({
      include: { roles: true },
    });
    expect(incident.roles.find((r) => r.role === "comms_lead")?.userId).toBe("U0ALICE");
    expect(bot.emulator.world.messages(channelId).at(-1)!.text).toBe(
      "<@U0BOB> made <@U0ALICE> the *Communications lead*.",
    );
    await bot.advance(minutes(10));
    expect(dmsTo("U0DAVE").filter((m) => m.text.includes("Communications lead"))).toHaveLength(0);
  });

  it("refuses to assign roles for someone who may not, writing nothing", async () => {
    await startWithIncident("sev2 Not allowed");
    const before = await bot.app.db.prisma.timelineEvent.count();
    await bot.send.slashCommand("role comms_lead <@U0DAVE|dave>", { userId: "U0CAROL", channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0CAROL").at(-1)!.text).toBe(
      "Only the incident commander can assign roles in INC-1. Ask <@U0BOB>.",
    );
    expect(await bot.app.db.prisma.timelineEvent.count()).toBe(before);
  });
});

describe("permissions", () => {
  it("an unauthorized resolve is refused and nothing changes", async () => {
    await startWithIncident("sev2 Guarded");
    const before = await bot.app.db.prisma.incident.findFirstOrThrow();
    const timeline = await bot.app.db.prisma.timelineEvent.count();
    await bot.send.slashCommand("resolve All good", { userId: "U0CAROL", channelId });
    await bot.send.slashCommand("update resolved All good", { userId: "U0CAROL", channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0CAROL").map((e) => e.text)).toEqual([
      "Only the incident commander can resolve or reopen INC-1. Ask <@U0BOB>.",
      "Only the incident commander can resolve or reopen INC-1. Ask <@U0BOB>.",
    ]);
    expect(await bot.app.db.prisma.incident.findFirstOrThrow()).toEqual(before);
    expect(await bot.app.db.prisma.timelineEvent.count()).toBe(timeline);
  });
});

describe("checklists", () => {
  it("ticking an item records it; an overdue item nudges its owner once", async () => {
    await startWithIncident("sev2 Checklist run");
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
    const tickedAt = bot.clock.now();
    await bot.send.blockAction(
      {
        action_id: checklistActionIds.toggle,
        block_id: checklistBlockId("engineering"),
        type: "checkboxes",
        selected_options: [{ value: "confirm-source" }],
      },
      { userId: "U0ALICE", channelId },
    );
    await bot.settle();
    const done = await bot.app.db.prisma.checklistItem.findFirstOrThrow({
      where: { itemId: "confirm-source" },
    });
    expect(done).toMatchObject({ completedBy: "U0ALICE", completedAt: tickedAt });
    const event = await bot.app.db.prisma.timelineEvent.findFirstOrThrow({
      where: { kind: "checklist_item_completed" },
    });
    expect(event).toMatchObject({
      incidentId: incident.id,
      actorId: "U0ALICE",
      data: { itemId: "confirm-source", onTime: true },
    });

    // first-update (10 min) and notice-approved (10 min) are still open at their deadline.
    await bot.advance(minutes(10));
    await bot.advance(minutes(30));
    const nudges = bot.emulator.world
      .messages(channelId)
      .filter((m) => m.text.startsWith(":hourglass:") && m.text.includes("overdue on INC-1"));
    expect(nudges.map((m) => m.text.match(/\*(.+?)\*/)?.[1]).sort()).toEqual([
      "Customer notice drafted and approved",
      "Post the first status update",
    ]);
    // Nobody holds tech lead or comms lead yet, so the IC is nudged.
    expect(nudges.every((m) => m.text.includes("<@U0BOB> overdue on INC-1"))).toBe(true);
  });
});
